// `node --import ./test/harness/trace-imports.mjs app.js` prints every resolved module URL to stderr
// as "IMPORT <url>", so a test can prove what a command did (not) load.
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
import { writeSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  writeSync(2, 'IMPORT ' + result.url + '\\n');
  return result;
}`),
);
