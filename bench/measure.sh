# Sourced by the bench scripts: `measure NAME COMMAND...` runs COMMAND with GNU time, its output
# in $WORK/NAME.out, and prints NAME, wall seconds and peak RSS (no newline: callers may add
# figures of their own). Needs WORK set and /usr/bin/time (Debian package `time`).
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)"; exit 1; }

measure() {  # name, command...
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$WORK/time.txt" "$@" > "$WORK/$name.out" 2>&1 || { cat "$WORK/$name.out"; exit 1; }
  read -r secs kb < "$WORK/time.txt"
  printf '%-28s %8.1f s  peak RSS %7.0f MB' "$name" "$secs" "$((kb / 1024))"
}
