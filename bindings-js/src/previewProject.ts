// What `portplan preview` shows of the current project: its config text, and its plan with
// the registry's leases and the ports busy on the host, computed exactly as `plan --json`
// computes it (read-only: the registry is read without the lock and never written).
import fs = require('node:fs');
import path = require('node:path');

import type { AllocateOptions } from './allocate.js';
import { type AllocateAnswer, call, callRaw } from './core.js';
import { coreOptions, gitInfo, type Project, resolveProject, walk } from './discover.js';
import { type ErrorValue, PlanError } from './errors.js';
import { probe } from './probe.js';
import { checkAnswer, readSnapshot } from './registry.js';

/** A plan as the page draws it: `plan --json`'s answer (or `{error}`), and the busy ports. */
export interface PlanView {
  answer: unknown;
  busy: number[];
}

/** The project as the page opens on it. */
export interface ProjectView extends PlanView {
  root: string | null;
  config_file: string | null;
  /** The config file's text ('' when no config was found), or null when the config is the
   * portplan section of a package.json / pyproject.toml: then `config` holds it, and the
   * page shows it as JSON. */
  config_text: string | null;
  config?: unknown;
}

function asError(error: unknown): { error: ErrorValue } {
  if (error instanceof PlanError) return { error: error.toJSON() };
  return { error: { kind: 'host', message: (error as Error)?.message ?? String(error) } };
}

/** The ports of `ports` that are not free, ascending. One at a time: concurrent binds of one
 * port by this process would see each other. */
async function takenPorts(ports: number[]): Promise<number[]> {
  const taken: number[] = [];
  for (const port of ports) if (!(await probe(port))) taken.push(port);
  return taken;
}

/** The host loop of a read-only question (docs/core-api.md "Host loop", `lease: []`). */
async function planReadOnly(project: Project, given: number[], probing: boolean): Promise<PlanView> {
  const snapshot = readSnapshot();
  const busy = [...new Set(given)];
  for (;;) {
    const request = {
      config: project.config,
      root: project.root,
      config_file: project.configFile,
      busy,
      registry: snapshot.text,
      now: Math.floor(Date.now() / 1000),
      lease: [],
    };
    const answer: AllocateAnswer = checkAnswer(callRaw('allocate', request), snapshot.file);
    const taken = probing ? await takenPorts(answer.probe) : [];
    if (taken.length === 0) {
      // `plan --json` prints this: the answer without registry, probe, root, config_file.
      const shown = JSON.parse(call('render', { what: 'json', plan: answer }).text);
      return { answer: shown, busy: busy.sort((a, b) => a - b) };
    }
    busy.push(...taken);
  }
}

/** The config as the page edits it: the file's text, or the section of a manifest. */
function configOf(configFile: string | null): Pick<ProjectView, 'config_text' | 'config'> {
  if (configFile === null) return { config_text: '' };
  const text = fs.readFileSync(configFile, 'utf8');
  const base = path.basename(configFile);
  if (base !== 'package.json' && base !== 'pyproject.toml') return { config_text: text };
  return { config_text: null, config: call('extract_config', { file: configFile, text }).config ?? {} };
}

/** The project's plans, for one `portplan preview`. */
export class PreviewProject {
  constructor(
    private readonly options: AllocateOptions,
    private readonly probing: boolean,
  ) {}

  /** The project as it is now: config, plan, busy ports (errors shown, never thrown). */
  async view(): Promise<ProjectView> {
    let project: Project;
    try {
      project = resolveProject(this.options, []);
    } catch (error) {
      return { root: null, config_file: null, config_text: '', answer: asError(error), busy: [] };
    }
    const where = { root: project.root, config_file: project.configFile };
    let config: Pick<ProjectView, 'config_text' | 'config'> = { config_text: '' };
    try {
      config = configOf(project.configFile);
      return { ...where, ...config, ...(await this.plan(project, [])) };
    } catch (error) {
      return { ...where, ...config, answer: asError(error), busy: [] };
    }
  }

  /** The plan of `text` (the page's edited config) in place of the project's config file,
   * with the same root, namespace rules, options and registry; nothing is written. */
  async replan(text: string, busy: number[]): Promise<PlanView> {
    try {
      return await this.plan(this.edited(text), busy);
    } catch (error) {
      return { answer: asError(error), busy };
    }
  }

  private async plan(project: Project, busy: number[]): Promise<PlanView> {
    return planReadOnly(project, [...(this.options.busy ?? []), ...busy], this.probing);
  }

  /** The project with `text` as a portplan.toml in the config's folder (the root when there
   * is no config): the core resolves root and namespace from the same folders. */
  private edited(text: string): Project {
    const found = resolveProject(this.options, []);
    const dir = found.configFile === null ? found.root : path.dirname(found.configFile);
    const configPath = path.join(dir, 'portplan.toml');
    const request = {
      cwd: dir,
      folders: walk(dir),
      config_path: configPath,
      config_file: { path: configPath, text },
      options: coreOptions(this.options),
      names: [],
      git: null as unknown,
    };
    let answer = call('load_config', request);
    if (answer.need === 'git') answer = call('load_config', { ...request, git: gitInfo(dir) });
    return { config: answer.config, root: answer.root, configFile: answer.config_file ?? null };
  }
}
