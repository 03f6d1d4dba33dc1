// The real MAS config JSON schema (draft-07, so ajv's default entry), compiled once.
// Formats the schema uses but the provider part does not are accepted as-is; `uri` is
// checked with the WHATWG URL parser, close to the `url` crate MAS uses.
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';

const schema = JSON.parse(readFileSync('test/fixtures/upstream/mas/config.schema.json', 'utf8'));

const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addFormat('uri', (s: string) => URL.canParse(s));
for (const f of ['double', 'email', 'float', 'hostname', 'ip', 'uint', 'uint16', 'uint32', 'uint64', 'uint8']) ajv.addFormat(f, true);
ajv.addSchema(schema, 'mas');

const validate = ajv.getSchema('mas#/definitions/Provider');
if (!validate) throw new Error('Provider definition missing from the MAS schema');

/** Errors from the real schema, empty when the provider is schema-valid. */
export function schemaErrors(provider: unknown): string[] {
  return validate!(provider) ? [] : (validate!.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}
