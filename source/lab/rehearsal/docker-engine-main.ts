// The rehearsal's Docker Engine API process (docker-engine.ts), started detached by the lab: node docker-engine-main.js <lab dir>.
import { rmSync } from 'node:fs';
import { engineSocket, serve } from './docker-engine.js';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: docker-engine-main.js <lab dir>\n');
  process.exit(2);
}
const server = serve(dir);
const stop = () => {
  server.close();
  rmSync(engineSocket(dir), { force: true });
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
