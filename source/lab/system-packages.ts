// The system packages the practice lab needs (scripts/system-packages.json, shared with the test
// command), checked by the file each one provides, so a fresh machine hears about all of them in
// one message with the one command that installs them, instead of one failure at a time.
import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';
import { AbortError } from '../errors.js';
import { packageRoot } from '../paths.js';

type Purpose = 'lab' | 'rehearsal' | 'tests';
interface SystemPackage {
  package: string;
  provides: string;
  for: Purpose[];
}

function packages(): SystemPackage[] {
  const file = path.join(packageRoot(), 'scripts', 'system-packages.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { packages: SystemPackage[] }).packages;
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function present(provides: string, envPath: string): boolean {
  if (provides.startsWith('/')) return executable(provides);
  return envPath.split(':').some((dir) => dir !== '' && executable(path.join(dir, provides)));
}

/** The Debian packages of `purpose` whose file is missing on this machine. */
export function missingPackages(purpose: Purpose, envPath = process.env.PATH ?? ''): string[] {
  return packages()
    .filter((p) => p.for.includes(purpose) && !present(p.provides, envPath))
    .map((p) => p.package);
}

export function installCommand(missing: string[], root = process.getuid?.() === 0): string {
  return `${root ? '' : 'sudo '}apt-get install -y --no-install-recommends ${missing.join(' ')}`;
}

/** The lab cannot be built without these; nothing was created. */
export class LabPackagesMissing extends AbortError {
  constructor(readonly missing: string[]) {
    super(
      `the practice lab needs ${missing.length === 1 ? 'a package' : 'packages'} this machine lacks: ${missing.join(', ')}.\n` +
        `Install ${missing.length === 1 ? 'it' : 'them'} with:\n  ${installCommand(missing)}`,
    );
  }
}
