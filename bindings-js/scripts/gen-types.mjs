#!/usr/bin/env node
// Writes src/core-types.ts, the TypeScript types of the core's requests and answers, from the
// JSON Schema the core generates from its Rust types (core/schema/portplan.schema.json), with
// json-schema-to-typescript, formatted by Biome as the rest of src/. One source for the types:
// test/types.test.js fails when the committed file is not what this script gives.
//   node bindings-js/scripts/gen-types.mjs     (regenerate after the schema changed)
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from 'json-schema-to-typescript';

const packageDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SCHEMA = path.join(packageDir, '..', 'core', 'schema', 'portplan.schema.json');
export const OUTPUT = path.join(packageDir, 'src', 'core-types.ts');
export const COMMAND = 'node bindings-js/scripts/gen-types.mjs';

const BANNER = `// The core's request and answer types, generated from core/schema/portplan.schema.json by
// \`${COMMAND}\`; do not edit (test/types.test.js checks that it is current).
`;

/**
 * The schema in the draft json-schema-to-typescript reads: 2020-12's `prefixItems` (tuples)
 * become the older array form of `items`.
 */
function olderDraft(node) {
  if (Array.isArray(node)) return node.map(olderDraft);
  if (node === null || typeof node !== 'object') return node;
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    out[key === 'prefixItems' ? 'items' : key] = olderDraft(value);
  }
  return out;
}

const SHAPE_KEYWORDS = ['type', '$ref', 'anyOf', 'oneOf', 'allOf', 'enum', 'const', 'properties', 'items'];

/** A definition that constrains nothing (any JSON value) is `unknown`; the tool would make it
 * an object type. */
function anyValueUnknown(definition) {
  return SHAPE_KEYWORDS.some((keyword) => keyword in definition) ? definition : { ...definition, tsType: 'unknown' };
}

/** The property every variant of `oneOf` sets to a constant: the tag of a Rust enum. */
function tagOf(variants) {
  const first = variants[0]?.properties ?? {};
  return Object.keys(first).find((key) => variants.every((variant) => 'const' in (variant.properties?.[key] ?? {})));
}

/**
 * A definition with fields of its own beside a tagged `oneOf` (a Rust struct with a
 * `#[serde(flatten)]` enum, such as `Start`'s `host` and `call`): the variants become a
 * definition of their own named after the tag (`Call`), which the tool would name `Start1`.
 */
function namedVariants(defs) {
  const out = { ...defs };
  for (const [name, definition] of Object.entries(defs)) {
    const tag = definition.oneOf && definition.properties ? tagOf(definition.oneOf) : undefined;
    if (tag === undefined) continue;
    const variants = tag.charAt(0).toUpperCase() + tag.slice(1);
    if (variants in out) throw new Error(`${name}: a definition ${variants} exists already`);
    const { oneOf, ...fields } = definition;
    out[variants] = { description: `What a ${name} asks for, by its \`${tag}\`.`, oneOf };
    out[name] = { ...fields, allOf: [{ $ref: `#/$defs/${variants}` }] };
  }
  return out;
}

/**
 * The schema's root holds only `$defs`: give it one member per definition, so that every
 * definition is emitted under its own name, and the root is an index of them all.
 */
function indexed(schema) {
  const defs = namedVariants(schema.$defs);
  const names = Object.keys(defs).sort();
  const $defs = Object.fromEntries(names.map((name) => [name, anyValueUnknown(defs[name])]));
  return {
    ...schema,
    $defs,
    title: 'CoreTypes',
    description: 'Every type of the core API by name (`CoreTypes["Lease"]` is `Lease`).',
    type: 'object',
    properties: Object.fromEntries(names.map((name) => [name, { $ref: `#/$defs/${name}` }])),
    required: names,
    additionalProperties: false,
  };
}

function biomeFormat(text) {
  const biome = path.join(packageDir, 'node_modules', '.bin', 'biome');
  return execFileSync(biome, ['format', `--stdin-file-path=${path.relative(packageDir, OUTPUT)}`], {
    cwd: packageDir,
    input: text,
    encoding: 'utf8',
  });
}

/** The text src/core-types.ts must hold for the schema as it is now. */
export async function generate() {
  const schema = JSON.parse(fs.readFileSync(SCHEMA, 'utf8'));
  const types = await compile(indexed(olderDraft(schema)), 'CoreTypes', {
    bannerComment: BANNER,
    // The core writes no other members than the schema's (and never reads unknown ones back).
    additionalProperties: false,
    unknownAny: true,
    format: false,
  });
  return biomeFormat(types);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  fs.writeFileSync(OUTPUT, await generate());
  console.log(`wrote ${path.relative(process.cwd(), OUTPUT)}`);
}
