// Client authentication material, gathered BEFORE connecting: the agent socket and the
// key files, with passphrases asked up front (ssh2's readyTimeout would otherwise run
// out while the operator types). Order: agent first, then key files, like OpenSSH.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import type { AgentAuthMethod, AuthHandlerMiddleware, PublicKeyAuthMethod } from 'ssh2';
import { SshError } from './ssh-error.js';

// ssh2 is CommonJS: Node's ESM loader offers only its default export.
const { utils } = ssh2;

export interface PreparedKey {
  path: string;
  data: Buffer;
  passphrase?: string;
}

export interface AuthMaterial {
  agent: string | null;
  keys: PreparedKey[];
}

export type AskPassphrase = (keyPath: string, attempt: number) => Promise<string | null>;

export function defaultIdentityFiles(home = os.homedir()): string[] {
  return ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((name) => path.join(home, '.ssh', name));
}

/** A path as shown to operators: the home directory as `~`. */
export function displayPath(file: string, home = os.homedir()): string {
  return file.startsWith(`${home}/`) ? `~${file.slice(home.length)}` : file;
}

const ENCRYPTED = /encrypted|passphrase/i;

/**
 * Loads keys: `explicit` files must exist (they were configured); `fallback` files are
 * tried only when no explicit file is given, and skipped when missing. An encrypted key
 * asks `askPassphrase` (up to 3 tries; null = skip this key).
 */
export async function prepareAuth(options: {
  agent?: string | null;
  explicit: readonly string[];
  fallback: readonly string[];
  askPassphrase?: AskPassphrase;
}): Promise<AuthMaterial> {
  const agentSocket = options.agent === undefined ? (process.env.SSH_AUTH_SOCK ?? null) : options.agent;
  const agent = agentSocket && existsSync(agentSocket) ? agentSocket : null;
  const files = options.explicit.length ? options.explicit : options.fallback;
  const keys: PreparedKey[] = [];
  for (const file of files) {
    if (!existsSync(file)) {
      if (options.explicit.length)
        throw new SshError('key-file', `the key file ${displayPath(file)} does not exist (from IdentityFile / ansible_ssh_private_key_file)`);
      continue;
    }
    let data: Buffer;
    try {
      data = readFileSync(file);
    } catch (err) {
      throw new SshError('key-file', `cannot read the key file ${displayPath(file)}: ${(err as Error).message}`);
    }
    const parsed = utils.parseKey(data);
    if (!(parsed instanceof Error)) {
      keys.push({ path: file, data });
      continue;
    }
    if (!ENCRYPTED.test(parsed.message)) {
      throw new SshError('key-file', `${displayPath(file)} is not a private key ssh2 can use: ${parsed.message}`);
    }
    if (!options.askPassphrase) continue;
    for (let attempt = 1; ; attempt++) {
      const passphrase = await options.askPassphrase(file, attempt);
      if (passphrase === null) break;
      if (!(utils.parseKey(data, passphrase) instanceof Error)) {
        keys.push({ path: file, data, passphrase });
        break;
      }
      if (attempt >= 3) throw new SshError('key-file', `wrong passphrase for ${displayPath(file)} (3 tries)`);
    }
  }
  return { agent, keys };
}

/** An ssh2 authHandler that walks agent then keys and records what it offered, for error messages. */
export function authHandler(material: AuthMaterial, username: string, tried: string[]): AuthHandlerMiddleware {
  const queue: { label: string; method: AgentAuthMethod | PublicKeyAuthMethod }[] = [];
  if (material.agent) queue.push({ label: 'agent', method: { type: 'agent', username, agent: material.agent } });
  for (const key of material.keys) {
    queue.push({ label: displayPath(key.path), method: { type: 'publickey', username, key: key.data, passphrase: key.passphrase } });
  }
  return (_methodsLeft, _partial, next) => {
    const item = queue.shift();
    // ssh2 takes `false` as "no more methods" (its typings omit it).
    if (!item) return next(false as never);
    tried.push(item.label);
    next(item.method);
  };
}
