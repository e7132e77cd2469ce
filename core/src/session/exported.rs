//! The variables `env` writes and `run` sets beside `<SERVICE>_PORT`: each service's URL
//! (`<SERVICE>_URL`, SPEC v3 §9) and, for a project with a compose file, a
//! `COMPOSE_PROJECT_NAME` of the checkout's own, so two checkouts' containers and volumes
//! do not collide.

use super::project::Project;
use crate::commands::render;
use crate::error::Result;
use crate::plan::Plan;

/// `(variable, value)` of every service's port, then (when `urls`) every service's URL,
/// then `COMPOSE_PROJECT_NAME` when the project has a compose file.
pub fn variables(project: &Project, plan: &Plan, urls: bool) -> Result<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = render::env_variables(plan)?
        .iter()
        .map(|(variable, entry)| (variable.clone(), entry.port.to_string()))
        .collect();
    if urls {
        out.extend(url_variables(project, plan));
    }
    if let Some(name) = compose_project(project) {
        out.push(("COMPOSE_PROJECT_NAME".to_owned(), name));
    }
    Ok(out)
}

/// `<SERVICE>_URL` of every service.
pub fn url_variables(project: &Project, plan: &Plan) -> Vec<(String, String)> {
    let checkout = project.checkout();
    plan.entries
        .iter()
        .map(|entry| {
            (
                crate::project::url::url_variable(&entry.name),
                checkout.url(&entry.name, entry.port),
            )
        })
        .collect()
}

/// The checkout's compose project name, for a project with a compose file.
pub fn compose_project(project: &Project) -> Option<String> {
    project
        .compose_file
        .as_ref()
        .map(|_| crate::project::compose::compose_project_name(project.namespace(), &project.root))
}
