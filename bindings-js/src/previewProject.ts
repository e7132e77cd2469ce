// What `portplan preview` shows of the current project: its config as written, and its plan
// against the registry and the host (the `plan` call, exactly as `plan --json` shows it;
// read-only: the registry is read without the lock and never written).
import fs = require('node:fs');
import path = require('node:path');

import * as calls from './calls.js';
import type { CallOptions, ConfigInput, PreviewAnswer, ProjectPlan } from './core-types.js';
import { PlanError } from './errors.js';

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
   * portplan key of a package.json: then `config` holds it, and the page shows it as JSON. */
  config_text: string | null;
  config?: unknown;
}

function asError(error: unknown): { error: unknown } {
  if (error instanceof PlanError) return { error: error.toJSON() };
  return { error: { kind: 'host', message: (error as Error)?.message ?? String(error) } };
}

/** The ports the plan found busy: those asked for, and the homes the probes displaced. */
function busyOf(plan: ProjectPlan, given: number[]): number[] {
  const found = plan.plan.flatMap((entry) =>
    entry.reason.kind === 'displaced' && entry.reason.by === 'busy' ? [entry.reason.home] : [],
  );
  return [...new Set([...given, ...found])].sort((a, b) => a - b);
}

/** The `[tool.portplan]` tables of a pyproject.toml as a portplan.toml would hold them. */
function pyprojectSection(text: string): string {
  const lines: string[] = [];
  let inside = false;
  for (const line of text.split(/\r?\n/)) {
    const header = /^\s*\[\s*([^\]]+?)\s*\]\s*(#.*)?$/.exec(line);
    if (header) {
      const table = header[1];
      inside = table === 'tool.portplan' || table.startsWith('tool.portplan.');
      if (inside && table !== 'tool.portplan') lines.push(`[${table.slice('tool.portplan.'.length)}]`);
      continue;
    }
    if (inside) lines.push(line);
  }
  return `${lines.join('\n').trim()}\n`;
}

/** The config as the page edits it: the file's text, or a manifest's portplan section. */
function configOf(configFile: string | null): Pick<ProjectView, 'config_text' | 'config'> {
  if (configFile === null) return { config_text: '' };
  const text = fs.readFileSync(configFile, 'utf8');
  const base = path.basename(configFile);
  if (base === 'package.json') return { config_text: null, config: JSON.parse(text).portplan ?? {} };
  if (base === 'pyproject.toml') return { config_text: pyprojectSection(text) };
  return { config_text: text };
}

/** The project's plans, for one `portplan preview`. */
export class PreviewProject {
  constructor(private readonly command: PreviewAnswer) {}

  /** The call's options: the command line's (`--config`, `--range`, `--no-probe`, ...). */
  private options(busy: number[]): CallOptions {
    const options: CallOptions = { probe: this.command.probe, busy, config: this.command.config as ConfigInput };
    if (this.command.config_path !== null) options.config_path = this.command.config_path;
    return options;
  }

  /** The project as it is now: config, plan, busy ports (errors shown, never thrown). */
  async view(): Promise<ProjectView> {
    let plan: ProjectPlan;
    try {
      plan = await calls.plan([], this.options([]));
    } catch (error) {
      return { root: null, config_file: null, config_text: '', answer: asError(error), busy: [] };
    }
    const where = { root: plan.root, config_file: plan.config_file };
    try {
      return { ...where, ...configOf(plan.config_file), answer: plan, busy: busyOf(plan, []) };
    } catch (error) {
      return { ...where, config_text: '', answer: asError(error), busy: [] };
    }
  }

  /** The plan of `text` (the page's edited config) in place of the project's config file,
   * with the same root, namespace rules, options and registry; nothing is written. */
  async replan(text: string, busy: number[]): Promise<PlanView> {
    try {
      const plan = await calls.plan([], this.options(busy), text);
      return { answer: plan, busy: busyOf(plan, busy) };
    } catch (error) {
      return { answer: asError(error), busy };
    }
  }
}
