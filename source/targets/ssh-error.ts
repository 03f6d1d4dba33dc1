// Connection failures in plain words, with a `kind` screens can switch on.
import { AbortError } from '../errors.js';

export type SshErrorKind =
  | 'refused' // nothing listening
  | 'unreachable' // DNS, routing, timeout
  | 'auth' // the server refused every key/method we offered
  | 'key-file' // a configured key file is missing, unreadable or its passphrase is wrong
  | 'host-key-unknown' // the operator did not accept an unknown host key
  | 'host-key-changed' // possible man-in-the-middle: nothing was run
  | 'host-key-revoked'
  | 'disconnected' // used after the connection dropped; call reconnect()
  | 'channel' // the server refused to open a session channel
  | 'become' // sudo needs a password that was not given
  | 'config' // bad host/inventory/ssh config values
  | 'protocol';

export class SshError extends AbortError {
  constructor(
    readonly kind: SshErrorKind,
    message: string,
    readonly detail?: Record<string, unknown>,
  ) {
    super(message);
  }

  override describe(): string {
    return `cannot connect: ${this.message}`;
  }
}

/** Maps a raw ssh2/socket error into an SshError for `where` ("host:port"). */
export function describeConnectError(err: Error & { code?: string; level?: string }, where: string, triedAuth: string[]): SshError {
  switch (err.code) {
    case 'ECONNREFUSED':
      return new SshError('refused', `nothing is listening on ${where} (connection refused)`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new SshError('unreachable', `cannot resolve the host name of ${where} (${err.code})`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ETIMEDOUT':
      return new SshError('unreachable', `cannot reach ${where} (${err.code})`);
    case 'ECONNRESET':
      return new SshError('unreachable', `${where} closed the connection during the handshake (connection reset)`);
  }
  if (err.level === 'client-authentication') {
    const tried = triedAuth.length ? triedAuth.join(', ') : 'nothing: no agent and no key file found';
    return new SshError('auth', `the server ${where} refused every key we offered (tried: ${tried})`, { tried: triedAuth });
  }
  if (err.level === 'client-timeout' || /timed out/i.test(err.message)) {
    return new SshError('unreachable', `${where} did not answer in time (${err.message})`);
  }
  return new SshError('protocol', `SSH connection to ${where} failed: ${err.message}`);
}
