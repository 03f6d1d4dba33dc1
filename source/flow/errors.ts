// Errors from opening a session or a connection, in words an operator can act on.
import { CheckoutError } from '../playbook/checkout.js';
import { VarsSyntaxError } from '../playbook/vars-file.js';
import { InventoryError } from '../playbook/inventory.js';
import { SshError } from '../targets/ssh-error.js';
import { SessionError } from '../session.js';

export function describeStartError(error: unknown): string {
  if (error instanceof VarsSyntaxError) return `${error.file}: line ${error.line}, column ${error.column}: ${error.reason}`;
  if (error instanceof CheckoutError || error instanceof InventoryError || error instanceof SessionError) return error.message;
  if (error instanceof SshError) return `cannot connect: ${error.message}`;
  return (error as Error)?.message ?? String(error);
}
