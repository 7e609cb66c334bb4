#!/usr/bin/env bash
# Builds the firmware for thumbv7em-none-eabihf in two profiles, prints its flash and static-RAM
# sections, a per-crate breakdown of .text + .rodata and the largest symbols, then runs it in QEMU
# (mps2-an386, Cortex-M4) and prints the peak stack and instruction count of each operation.
# Exits non-zero if the firmware does not finish in time or the PSKs differ, if a step of a suite
# leaves data on the stack below its entry frames (its stack scrub is too shallow), if a step of
# the default suite needs more than 16 KiB of stack (issue 16's goal), or if the figures that
# no_std.md and README.md quote differ from this run by more than 10% (figures.py: those tables
# are generated from this script's output and from nowhere else).
#
#   examples/firmware/measure.sh           # from anywhere; installs what it needs, idempotent;
#                                          # runs the opt-level 3 build in QEMU (what CI runs:
#                                          # its key generation is 3x fewer instructions)
#   examples/firmware/measure.sh --all     # runs the opt-level "s" build too
#   examples/firmware/measure.sh --write   # --all, then rewrites the docs' measured tables
#   TOP=30 examples/firmware/measure.sh    # show more symbols
#
# Needs rustup + cargo. Installs the target with rustup, and with apt-get (only when missing)
# binutils-arm-none-eabi when no arm-none-eabi-size/nm (or llvm-size/llvm-nm) is on PATH, and
# qemu-system-arm.
set -euo pipefail

RUN_PROFILES=(release-o3)
WRITE=0
case "${1:-}" in
    --all) RUN_PROFILES=(release release-o3) ;;
    --write) RUN_PROFILES=(release release-o3) WRITE=1 ;;
    "") ;;
    *) echo "usage: $0 [--all | --write]" >&2; exit 2 ;;
esac
# Stack a step may leave holding data below the measuring frame: the frames of the public entry
# points above the scrubbed one (pointers, lengths, the result). Deeper data means the scrub
# missed some of the backends' frames.
ENTRY_FRAMES=1024
# Issue 16: every operation of the default hybrid in 16 KiB of stack, with the caller's workspace.
DEFAULT_SUITE=mlkem1024-mceliece348864
DEFAULT_SUITE_STACK=16384

TARGET=thumbv7em-none-eabihf
PROFILES=(release release-o3)
TOP=${TOP:-15}
started=$SECONDS

cd "$(dirname "${BASH_SOURCE[0]}")"

say() { printf '%s\n' "$*" >&2; }

# --- tools -------------------------------------------------------------------------------------
if ! rustup target list --installed 2>/dev/null | grep -qx "$TARGET"; then
    say "== rustup target add $TARGET"
    rustup target add "$TARGET" >&2
fi

find_tools() {
    if command -v arm-none-eabi-size >/dev/null && command -v arm-none-eabi-nm >/dev/null; then
        SIZE=arm-none-eabi-size NM=arm-none-eabi-nm
    elif command -v llvm-size >/dev/null && command -v llvm-nm >/dev/null; then
        SIZE=llvm-size NM=llvm-nm
    else
        return 1
    fi
}
apt_install() {
    say "== apt-get install $*"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >&2
}
if ! find_tools; then
    apt_install binutils-arm-none-eabi
    find_tools
fi
if ! command -v qemu-system-arm >/dev/null; then
    apt_install qemu-system-arm
fi
if ! command -v python3 >/dev/null; then
    apt_install python3
fi

# --- no std, no alloc --------------------------------------------------------------------------
# The link itself proves it (thumbv7em has no std, and the firmware defines no global allocator);
# this just makes the feature set visible.
tree=$(cargo tree -q -e features --target "$TARGET")
if grep -qE 'feature "(std|alloc)"' <<<"$tree"; then
    say "!! a dependency enables std or alloc:"
    grep -E 'feature "(std|alloc)"' <<<"$tree" >&2
    exit 1
fi

# --- build -------------------------------------------------------------------------------------
for p in "${PROFILES[@]}"; do
    say "== cargo build --profile $p --target $TARGET"
    cargo build -q --profile "$p" --target "$TARGET"
done

elf() { echo "target/$TARGET/$1/pqpsk-firmware"; }

# Section size from `size -A` (0 when absent).
section() { $SIZE -A "$1" | awk -v s="$2" '$1 == s { n = $2 } END { print n + 0 }'; }

# --- sections ----------------------------------------------------------------------------------
echo
echo "pqpsk firmware on $TARGET, default-features = false + hqc (no alloc), one client + server exchange per suite"
echo "(bytes; flash image = .vector_table + .text + .rodata + .data)"
echo
printf '%-34s %9s %9s %13s %7s %9s %8s %12s\n' \
    profile .text .rodata text+rodata .data .bss .vectors "flash image"
MEASURED=target/$TARGET/measured.tsv
: >"$MEASURED"
for p in "${PROFILES[@]}"; do
    f=$(elf "$p")
    t=$(section "$f" .text) r=$(section "$f" .rodata) d=$(section "$f" .data)
    b=$(section "$f" .bss) v=$(section "$f" .vector_table)
    printf 'image\t%s\t%d\t%d\t%d\n' "$p" "$((t + r))" "$d" "$b" >>"$MEASURED"
    case $p in
        release) label='release    (opt-level="s", lto)' ;;
        release-o3) label='release-o3 (opt-level=3, lto)' ;;
        *) label=$p ;;
    esac
    printf '%-34s %9d %9d %13d %7d %9d %8d %12d\n' \
        "$label" "$t" "$r" "$((t + r))" "$d" "$b" "$v" "$((v + t + r + d))"
done

# --- static RAM --------------------------------------------------------------------------------
echo
echo "static RAM (.data + .bss) symbols, $(elf release):"
$NM -S -C --size-sort -r "$(elf release)" | awk 'function hex(h,   i, n) { n = 0; h = tolower(h)
    for (i = 1; i <= length(h); i++) n = n * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
    return n }
$3 ~ /^[bBdD]$/ && NF >= 4 {
    name = $0; sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", name); sub(/.*::/, "", name)
    printf "  %9d  %s\n", hex($2), name }'

# --- per-crate breakdown -----------------------------------------------------------------------
# Crate of a (demangled) symbol: the first path segment of its path, or for `<X as Trait>` the
# crate of X when Trait is a core/interface trait (Drop, digest::Update, ...), else Trait's crate. Approximate: LTO inlines across crates (pqpsk's generate ends
# up inside the firmware's main, for one), and generic code is counted where its type lives.
crate_awk='
function hex(h,   i, n) { n = 0; h = tolower(h)
    for (i = 1; i <= length(h); i++) n = n * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
    return n }
function crate_of(n,   s, c, t) {
    if (n ~ /^\.Lanon/) return "(anonymous constants)"
    if (n ~ /^(__aeabi_|mem(cpy|move|set|cmp)$|compiler_builtins)/) return "compiler_builtins"
    if (n ~ /^(Reset|main|HardFault_|DefaultHandler_|DefaultPreInit)$/) return "cortex_m_rt"
    s = n
    while (s ~ /^(<|&mut |&|\*const |\*mut |dyn |impl )/) sub(/^(<|&mut |&|\*const |\*mut |dyn |impl )/, "", s)
    c = s; sub(/(::|<| ).*/, "", c)
    if (n ~ / as /) {
        t = n; sub(/.* as /, "", t); sub(/(::|<|>).*/, "", t)
        # <X as Trait>: a primitive or generic X, or a trait from a crate that is not a mere
        # interface (so the impl must live in the trait crate), counts for the trait crate.
        if (c ~ /^(\[|\(|[uif](8|16|32|64|128|size)$|bool$|char$|str$|[A-Z]$)/ || s !~ /::/ ||
            t !~ /^(core|digest|rand_core|crypto_common|zeroize|kem)$/) c = t
    }
    if (c == "pqpsk_firmware") return "pqpsk_firmware (main, pqpsk inlined)"
    return c
}
$3 ~ /^[tTrR]$/ && NF >= 4 {
    name = $0; sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", name)
    if (name ~ /^__(INTERRUPTS|EXCEPTIONS|RESET_VECTOR)$/) next   # .vector_table
    sz = hex($2); total += sz; by[crate_of(name)] += sz
}
END {
    for (c in by) printf "  %9d  %5.1f%%  %s\n", by[c], 100 * by[c] / total, c | "sort -rn"
    close("sort -rn")
    printf "  %9d  100.0%%  (sum of sized symbols)\n", total
}'

for p in "${PROFILES[@]}"; do
    f=$(elf "$p")
    echo
    echo ".text + .rodata by crate, $p (sized symbols only; the rest is alignment padding):"
    $NM -S -C "$f" | awk "$crate_awk"
    echo
    echo "top $TOP .text/.rodata symbols, $p:"
    $NM -S -C --size-sort -r "$f" | awk -v top="$TOP" 'function hex(h,   i, n) { n = 0; h = tolower(h)
    for (i = 1; i <= length(h); i++) n = n * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
    return n }
$3 ~ /^[tTrR]$/ && NF >= 4 {
        name = $0; sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", name)
        if (name ~ /^__(INTERRUPTS|EXCEPTIONS|RESET_VECTOR)$/) next
        if (++k > top) next
        printf "  %9d  %s %s\n", hex($2), $3, name }'
done

# --- run in QEMU: PSKs, peak stack and instructions of each operation -------------------------
# QEMU's mps2-an386 (Cortex-M4, 4 MiB RAM) with semihosting: the firmware prints its figures and
# exits QEMU with status 0 only if both PSKs match. `-icount shift=0` makes QEMU's virtual clock
# advance 1 ns per instruction, so SysTick (25 MHz core clock) counts one tick per 40
# instructions; the firmware's calibration loop checks that ratio. A stack overflow hangs rather
# than faults, hence the timeout.
QEMU_TIMEOUT=${QEMU_TIMEOUT:-600}
failed=0
echo
echo "run on QEMU mps2-an386 (Cortex-M4), -icount shift=0 (instruction counts, not cycles):"
for p in "${RUN_PROFILES[@]}"; do
    log="target/$TARGET/$p/qemu.log"
    say "== qemu-system-arm -M mps2-an386 ($p, timeout ${QEMU_TIMEOUT} s)"
    run_started=$SECONDS
    status=0
    timeout "$QEMU_TIMEOUT" qemu-system-arm -M mps2-an386 -nographic -monitor none -serial none \
        -semihosting-config enable=on,target=native -icount shift=0 -kernel "$(elf "$p")" \
        >"$log" 2>&1 || status=$?
    secs=$((SECONDS - run_started))
    awk -v p="$p" -v secs="$secs" -v tsv="$MEASURED" -v entry="$ENTRY_FRAMES" \
        -v dsuite="$DEFAULT_SUITE" -v dstack="$DEFAULT_SUITE_STACK" '
        $1 == "calibration" { per_tick = $2 / $5 }
        $1 == "suite" { suite = $2 }
        / alone$/ { suite = "alone" }
        $1 == "op" { name[++n] = suite " " $2; stack[n] = $4; ticks[n] = $7; left[n] = $9
                     step[n] = $2; in_suite[n] = $2 !~ /^(mlkem|mce)-/; of[n] = suite }
        $0 == "PSKs match" { ok = 1 }
        /^FAILED/ { print "  " p ": " $0 }
        END {
            if (per_tick == 0) { print "  " p ": no calibration line"; exit 1 }
            printf "  %-11s (%.1f instructions per SysTick tick; %d s in QEMU)\n", p, per_tick, secs
            bad = 0
            for (i = 1; i <= n; i++) {
                note = ""
                # The suites steps scrub the stack their backends used (the KEMs measured
                # alone do not).
                if (in_suite[i] && left[i] > entry) {
                    note = "  !! data left " left[i] " B deep: the scrub missed the backends"; bad = 1
                }
                if (in_suite[i] && of[i] == dsuite && stack[i] > dstack) {
                    note = note "  !! above " dstack " B"; bad = 1
                }
                printf "    %-34s peak stack %8d bytes  %14.0f instructions  data left at %6d B%s\n", \
                    name[i], stack[i], ticks[i] * per_tick, left[i], note
                printf "step\t%s\t%s\t%s\t%d\t%.0f\t%d\n", p, of[i], step[i], stack[i], \
                    ticks[i] * per_tick, left[i] >> tsv
            }
            print "    " (ok ? "PSKs match" : "PSKs did NOT match")
            exit bad
        }' "$log" || failed=1
    if [ "$status" -ne 0 ] || ! grep -qx "PSKs match" "$log"; then
        case $status in
            124) say "!! $p: did not finish within ${QEMU_TIMEOUT} s (a stack overflow hangs)" ;;
            *) say "!! $p: QEMU exited with status $status; its output:"; cat "$log" >&2 ;;
        esac
        failed=1
    fi
done

# --- the docs' figures: generated from this run (--write) or checked against it ----------------
DOCS=(../../no_std.md ../../README.md)
echo
if [ "$WRITE" = 1 ] && [ "$failed" = 0 ]; then
    python3 figures.py write "$MEASURED" "${DOCS[@]}"
else
    python3 figures.py check "$MEASURED" "${DOCS[@]}" || failed=1
fi

echo
echo "measure.sh took $((SECONDS - started)) s"
exit "$failed"
