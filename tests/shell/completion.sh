#!/bin/sh
# Shell completion as a user meets it: bash (with bash-completion, ':' typed
# inside a PCI address), zsh and fish, on a fixture root named with --root:
# add offers the GPUs (not every function), remove what the config names.
# Usage: tests/shell/completion.sh BUILD_DIR
set -u
# shellcheck disable=SC2034 # used by the harness (add_dev)
B=${1:-build}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/lib/harness.sh"

R=$T/root
# A GPU with its audio function, a SATA controller, the boot VGA.
add_dev "$R" 0000:00:02.0 8086 3e92 030000 0 i915 1
add_dev "$R" 0000:00:17.0 8086 a352 010601 3 ahci 0
add_dev "$R" 0000:01:00.0 1002 6818 030000 1 radeon 0
add_dev "$R" 0000:01:00.1 1002 aab0 040300 1 snd_hda_intel 0
mkdir -p "$R/etc"
printf '[gpu]\naddress = 0000:01:00.0\nid = 1002:6818\n' >"$R/etc/vfio-devices.ini"

# bash_complete LINE: the completions bash offers at the end of LINE, split
# into words the way readline splits them (':' is a word break).
bash_complete() {
    bash -c '
        . /usr/share/bash-completion/bash_completion || exit 3
        . "$1/conf/bash-completion/vfio-setup" || exit 3
        . "$1/conf/bash-completion/vfio-bind" || exit 3
        COMP_LINE=$2 COMP_POINT=${#2}
        # readline: blanks and COMP_WORDBREAKS characters end words; ":" is a word of its own.
        read -ra COMP_WORDS <<< "$(printf "%s" "$2" | sed "s/:/ : /g")"
        [[ $2 == *" " ]] && COMP_WORDS+=("")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        case $2 in vfio-bind*) _vfio_bind ;; *) _vfio_setup ;; esac
        printf "%s\n" "${COMPREPLY[@]}"' sh "$SRC" "$1"
}
# has NAME OUTPUT WORD...: every WORD is a line of OUTPUT; lacks: none is.
has() {
    name=$1 out=$2
    shift 2
    for w in "$@"; do printf '%s\n' "$out" | grep -qx -- "$w" || { ko "$name: no '$w' in: $(echo $out)"; return; }; done
    ok "$name"
}
lacks() {
    name=$1 out=$2
    shift 2
    for w in "$@"; do printf '%s\n' "$out" | grep -q -- "$w" && { ko "$name: '$w' offered: $(echo $out)"; return; }; done
    ok "$name"
}

out=$(bash_complete "vfio-setup --root $R add ")
has "bash: add offers the GPUs under --root" "$out" 0000:01:00.0 0000:00:02.0
lacks "bash: add offers no audio, storage or other functions" "$out" 0000:01:00.1 0000:00:17.0
out=$(bash_complete "vfio-setup --root $R add 0000:01:0")
has "bash: 0000:01:0<TAB> completes past the colons" "$out" 00.0
out=$(bash_complete "vfio-setup --root $R add 01:0")
has "bash: an address without its domain completes too" "$out" 00.0
out=$(bash_complete "vfio-setup --root $R remove ")
has "bash: remove offers what the config names" "$out" 0000:01:00.0
lacks "bash: remove offers nothing else" "$out" 0000:00:02.0
out=$(bash_complete "vfio-bind --t")
has "bash: vfio-bind --timeout" "$out" --timeout

# zsh: the completion function with compadd recording what it is given.
zsh_complete() {
    zsh -fc '
        compadd() {
            local a arr=0
            for a in "$@"; do
                [[ $a == -a ]] && { arr=1; continue; }
                [[ $a == -- ]] && continue
                if ((arr)); then print -rl -- ${(P)a}; else print -r -- $a; fi
            done
        }
        _files() { :; }
        words=(${=2}) CURRENT=$((${#words} + 1)) PREFIX=
        [[ $2 == *" " ]] || { CURRENT=${#words}; PREFIX=$words[-1]; }
        source "$1/conf/zsh-completion/_vfio-setup"
        ' sh "$SRC" "$1" 2>&1
}
out=$(zsh_complete "vfio-setup --root $R add ")
has "zsh: add offers the GPUs under --root" "$out" 0000:01:00.0 0000:00:02.0
lacks "zsh: add offers no audio or storage" "$out" 0000:01:00.1 0000:00:17.0
out=$(zsh_complete "vfio-setup --root $R remove ")
has "zsh: remove offers what the config names" "$out" 0000:01:00.0
out=$(zsh_complete "vfio-setup cmdline ")
has "zsh: cmdline's subcommands" "$out" status enable disable
for f in "$SRC"/conf/zsh-completion/*; do zsh -n "$f" || ko "zsh -n $f"; done

# fish: its own completion engine, asked as a user's TAB asks it.
fish_complete() { fish -c "source $SRC/conf/fish-completion/vfio-setup.fish; complete -C '$1'" | cut -f1; }
out=$(fish_complete "vfio-setup --root $R add ")
has "fish: add offers the GPUs under --root" "$out" 0000:01:00.0 0000:00:02.0
lacks "fish: add offers no audio or storage" "$out" 0000:01:00.1 0000:00:17.0
out=$(fish_complete "vfio-setup --root $R remove ")
has "fish: remove offers what the config names" "$out" 0000:01:00.0
out=$(fish_complete "vfio-setup ")
has "fish: the commands" "$out" cmdline add remove status
for f in "$SRC"/conf/fish-completion/*; do fish -n "$f" || ko "fish -n $f"; done

finish completion
