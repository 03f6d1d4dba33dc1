// Child process for the lock tests: takes the local lock, says so on stdout
// ("won <owner json>" or "held <message>"), then holds it until killed.
import { acquireLocalLock, LockHeldError } from '../../../state/lock.js';

const [key, mode] = process.argv.slice(2);
try {
  const lock = await acquireLocalLock(key, { command: 'lock-holder test child' });
  process.stdout.write(`won ${JSON.stringify(lock.owner)}\n`);
  if (mode === 'release') {
    await lock.release();
    process.stdout.write('released\n');
  } else {
    setInterval(() => {}, 1000);
  }
} catch (error) {
  if (!(error instanceof LockHeldError)) throw error;
  process.stdout.write(`held ${error.message}\n`);
}
