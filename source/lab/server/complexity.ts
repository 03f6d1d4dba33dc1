// An approximation of zxcvbn's 0–4 score (MAS rejects passwords below minimum_complexity, default 3).
// Not zxcvbn: guesses are estimated from length and character classes, with heavy penalties for
// common passwords, dictionary words, repeats and sequences. Good enough to tell "hunter2" from a passphrase.
const COMMON = [
  'password',
  'passw0rd',
  'qwerty',
  'letmein',
  'welcome',
  'admin',
  'matrix',
  'dragon',
  'monkey',
  'iloveyou',
  'secret',
  'abc123',
  'football',
  'baseball',
  'master',
  'login',
  'hello',
  'changeme',
];

export function passwordScore(password: string, userInputs: string[] = []): number {
  if (!password) return 0;
  let pool = 0;
  if (/[a-z]/.test(password)) pool += 26;
  if (/[A-Z]/.test(password)) pool += 26;
  if (/[0-9]/.test(password)) pool += 10;
  if (/[^a-zA-Z0-9]/.test(password)) pool += 33;
  let effective = password.toLowerCase();
  for (const word of [...COMMON, ...userInputs.map((u) => u.toLowerCase()).filter((u) => u.length >= 3)]) effective = effective.split(word).join('\u0001');
  effective = effective.replace(/(.)\1+/g, '$1').replace(/0123|1234|2345|3456|4567|5678|6789|abcd|bcde|cdef/g, '\u0002');
  const words = (effective.match(/[\u0001\u0002]/g) ?? []).length;
  const rest = effective.replace(/[\u0001\u0002]/g, '').length;
  const log10Guesses = rest * Math.log10(Math.max(pool, 10)) + words * 2;
  if (log10Guesses < 3) return 0;
  if (log10Guesses < 6) return 1;
  if (log10Guesses < 8) return 2;
  if (log10Guesses < 10) return 3;
  return 4;
}
