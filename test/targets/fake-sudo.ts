// A stand-in for sudo (mock: the real sudo would need a sudoers entry and a password for a test
// user on this machine, which the tests do not change): it speaks sudo's -n / -k -S -p '' protocol, checks the password it reads on stdin,
// and logs its argv so the test can prove the password never travels as an argument.
export const FAKE_SUDO = `#!/bin/sh
log="$(dirname "$0")/sudo-argv.log"
printf '%s\\n' "$*" >> "$log"
mode=$(cat "$(dirname "$0")/sudo-mode")
nonint=0; stdin=0
while [ $# -gt 0 ]; do
  case "$1" in
    -n) nonint=1; shift;;
    -k) shift;;
    -S) stdin=1; shift;;
    -p) shift 2;;
    -u) shift 2;;
    --) shift; break;;
    *) break;;
  esac
done
if [ "$mode" = password ]; then
  if [ $nonint = 1 ]; then echo "sudo: a password is required" >&2; exit 1; fi
  IFS= read -r pw || { echo "sudo: no password was provided" >&2; exit 1; }
  [ "$pw" = "$(cat "$(dirname "$0")/sudo-password")" ] || { echo "Sorry, try again." >&2; echo "sudo: 1 incorrect password attempt" >&2; exit 1; }
fi
exec "$@"
`;
