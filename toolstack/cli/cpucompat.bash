# bash completion for cpucompat(1).
#
# Subcommands and options are read from the installed cpucompat's own
# --help (CLI11's layout), so they cannot drift from the binary. Values:
#   --mode, --default-mode off vendor hyperv-r2 pool file: level:NAME, NAME
#                          from the installed baselines
#   a domain argument      running domains (xl list)
#   a host argument        hosts in ~/.ssh/known_hosts (migrate, evacuate)
#   guests NAME, --guest   guest names from the installed guest table
#   file arguments         files

_cpucompat_baselines() {
    local bin dir
    bin=$(command -v cpucompat) || return
    dir=$(dirname "$(readlink -f "$bin")")/../share/cpucompat/baselines
    [ -d "$dir" ] || return
    local f
    for f in "$dir"/*.yaml; do
        [ -e "$f" ] || continue
        f=${f##*/}
        printf 'level:%s\n' "${f%.yaml}"
    done
}

_cpucompat_domains() {
    xl list 2>/dev/null | awk 'NR > 1 && $1 != "Domain-0" {print $1}'
}

_cpucompat_known_hosts() {
    local f=~/.ssh/known_hosts
    [ -r "$f" ] || return
    # Hashed entries (|1|...) name no host; [host]:port gives host.
    awk '$1 !~ /^[|#@]/ {print $1}' "$f" | tr ',' '\n' | sed -e 's/^\[\([^]]*\)\]:.*/\1/' | sort -u
}

# From the text of `cpucompat SUB --help` (read once per completion): its
# long options, and whether OPT takes a value.
_cpucompat_options() {
    sed -n 's/^  \(-[a-z],\)\{0,1\}\(--[a-z-]*\).*/\2/p' <<<"$1"
}
_cpucompat_takes_value() {
    grep -Eq "^  (-[a-z],)?$2 [A-Z]" <<<"$1"
}

_cpucompat() {
    local cur prev words cword
    _init_completion -n : || return

    local sub= i
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
        --json) ;;
        -*) ;;
        *) sub=${words[i]}; break ;;
        esac
    done

    if [ -z "$sub" ]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "--help --json --version" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$(cpucompat --help 2>/dev/null | sed -n '/^Subcommands:/,$s/^  \([a-z-]*\) .*/\1/p')" -- "$cur"))
        fi
        return
    fi

    case $prev in
    --mode | --default-mode)
        COMPREPLY=($(compgen -W "off vendor hyperv-r2 pool file: $(_cpucompat_baselines)" -- "$cur"))
        __ltrim_colon_completions "$cur"
        [ "${COMPREPLY[0]:-}" = file: ] && compopt -o nospace
        return ;;
    --domain)
        COMPREPLY=($(compgen -W "$(_cpucompat_domains)" -- "$cur"))
        return ;;
    --guest)
        COMPREPLY=($(compgen -W "$(cpucompat guests --names 2>/dev/null)" -- "$cur"))
        return ;;
    --guest-type)
        COMPREPLY=($(compgen -W "pv hvm" -- "$cur"))
        return ;;
    --policy | --host-policy | --guest-policy)
        COMPREPLY=($(compgen -W "max default" -- "$cur"))
        return ;;
    -s | --ssh)
        COMPREPLY=($(compgen -c -- "$cur"))
        return ;;
    esac
    local help
    help=$(cpucompat "$sub" --help 2>/dev/null)
    if [[ $prev == --* ]] && _cpucompat_takes_value "$help" "$prev"; then
        _filedir
        return
    fi

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_cpucompat_options "$help")" -- "$cur"))
        return
    fi

    # Positional arguments: count those before the cursor.
    local n=0
    for ((i = i + 1; i < cword; i++)); do
        [[ ${words[i]} == -* ]] && { _cpucompat_takes_value "$help" "${words[i]}" && ((i++)); continue; }
        ((n++))
    done
    case $sub in
    migrate)
        if [ $n -eq 0 ]; then COMPREPLY=($(compgen -W "$(_cpucompat_domains)" -- "$cur"))
        else COMPREPLY=($(compgen -W "$(_cpucompat_known_hosts)" -- "$cur")); fi ;;
    evacuate)
        COMPREPLY=($(compgen -W "$(_cpucompat_known_hosts)" -- "$cur")) ;;
    guests)
        COMPREPLY=($(compgen -W "$(cpucompat guests --names 2>/dev/null)" -- "$cur")) ;;
    *)
        _filedir ;;
    esac
}
complete -F _cpucompat cpucompat
