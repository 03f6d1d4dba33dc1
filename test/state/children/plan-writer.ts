// Child process for the atomicity test: writes the plan file in a tight loop until it
// is killed. Each plan carries its sequence number (in updatedAt's milliseconds and an
// output), and is large enough that a kill often lands in the middle of a write.
import { savePlan } from '../../../state/persist.js';
import { createPlan, reduce } from '../../../state/reducer.js';

const [file, startArg] = process.argv.slice(2);
let plan = createPlan({ id: 'ATOMIC', flow: 'migrate', serverName: 'example.com', host: 'm', generation: 'current', at: new Date(0).toISOString() });
plan = reduce(plan, {
  type: 'commands-set',
  at: new Date(0).toISOString(),
  step: 'install',
  commands: Array.from({ length: 400 }, (_, i) => `command ${i} ${'x'.repeat(200)}`),
});
for (let seq = Number(startArg); ; seq++) {
  const at = new Date(seq).toISOString();
  plan = reduce(plan, { type: 'commands-set', at, step: 'prerequisites', commands: [`seq ${seq}`] });
  savePlan(file, plan);
  if (seq === Number(startArg)) process.stdout.write('ready\n');
}
