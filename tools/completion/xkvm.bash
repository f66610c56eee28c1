# bash completion for xkvm (installed as .../bash-completion/completions/xkvm)
#
# Options, tap-control modes and their options, NETDEV fields after a comma,
# bridge names from `xkvm tap-control bridges` (with the --ovsdb of the
# command line), taps and OVS ports from `tap-control list`.  Needs nothing
# from the bash-completion package: words split at '=' and ':' (bash's
# COMP_WORDBREAKS) are joined again here, and the replies cut back to the
# part after the last break, which is what bash replaces.

_xkvm_opts="--netdev --disk --dry-run --kvm --bios --uefi --uefi-nvram --accel
	--verbose --ovsdb --ovs-timeout --ovs-no-wait --ovs-iface-steal --ovn-timeout --ovn-no-wait
	--skip-reap --name --hotplug-ports --dowait --no-dowait --help --version"
_xkvm_modes="make-nics del-nics ovs-cleanup gc list link netem capture move-nic bridges"
_xkvm_netdev_fields="mac= macaddr= model= mtu= queues= ovs-tag= ovs-trunks= ovs-iface-id=
	ovs-vm-id= ovs-ext: ovs-ofport= ovs-ingress-rate= ovs-ingress-burst= vhost-user"
_xkvm_ctl_cmds="list show link nic netem capture mirror stop kill"

# _xkvm_run XKVM OVSDB MODE: one name a line from `tap-control MODE`
# (bridges: every bridge; taps: xkvm's taps; ports: BRIDGE:PORT of xkvm's
# OVS ports).  Errors (no root for the database, say) are silent.
_xkvm_run() {
	local mode=$3 filter='s/.*"name":"\([^"\\]*\)".*/\1/p'
	case "$3" in
	taps) mode=list filter='/"kind":"tap"/s/.*"name":"\([^"\\]*\)".*/\1/p' ;;
	ports) mode=list filter='/"kind":"ovs-port"/s/.*"name":"\([^"\\]*\)","bridge":"\([^"\\]*\)".*/\2:\1/p' ;;
	esac
	"$1" tap-control $mode ${2:+--ovsdb "$2"} 2>/dev/null | sed -n "$filter"
}

# _xkvm_ctl_names: the NAMEs of running launches of this user (the
# sockets in the directory `xkvm ctl` looks in: XKVM_RUN_DIR, else its older
# spelling XKVM_RUNDIR, else /run/xkvm for root, $XDG_RUNTIME_DIR/xkvm or
# /run/user/UID/xkvm for others).
_xkvm_ctl_names() {
	local dir=${XKVM_RUN_DIR:-${XKVM_RUNDIR:-}} s
	if [[ $dir != /* ]]; then
		if [ "$EUID" -eq 0 ]; then
			dir=/run/xkvm
		elif [[ ${XDG_RUNTIME_DIR:-} == /* ]]; then
			dir=$XDG_RUNTIME_DIR/xkvm
		else
			dir=/run/user/$EUID/xkvm
		fi
	fi
	for s in "$dir"/*.sock; do
		[ -S "$s" ] && s=${s##*/} && printf '%s\n' "${s%.sock}"
	done
}

# _xkvm_netdev XKVM OVSDB VALUE [make-nics]: replies for a NETDEV value.
_xkvm_netdev() {
	local v=$3 head field fields=$_xkvm_netdev_fields
	if [[ $v == *,* ]]; then
		head=${v%,*}
		[ -n "$4" ] && fields="mac= mtu= queues= ovs-tag= ovs-trunks= ovs-iface-id= ovs-vm-id=
			ovs-ext: ovs-ofport= ovs-ingress-rate= ovs-ingress-burst="
		for field in $fields; do
			[[ $field == "${v##*,}"* ]] && printf '%s\n' "$head,$field"
		done
	else
		{ [ -n "$4" ] || echo user; _xkvm_run "$1" "$2" bridges; } |
			while IFS= read -r field; do
				[[ $field == "$v"* ]] && printf '%s\n' "$field"
			done
	fi
}

_xkvm() {
	local xkvm=${COMP_WORDS[0]} words=() w i join="" cur prev opt="" val="" mode=""
	local ovsdb="" dashdash="" replies=() strip
	command -v "$xkvm" >/dev/null 2>&1 || xkvm=xkvm
	# The words as typed: "--netdev" "=" "br0" is --netdev=br0.
	for ((i = 0; i <= COMP_CWORD && i < ${#COMP_WORDS[@]}; i++)); do
		w=${COMP_WORDS[i]}
		if [ ${#words[@]} -gt 1 ] && [[ -n $w && $w != *[!=:]* ]]; then
			words[-1]+=$w join=1
		elif [ -n "$join" ]; then
			words[-1]+=$w join=""
		else
			words+=("$w")
		fi
	done
	cur=${words[-1]} prev=""
	[ ${#words[@]} -gt 1 ] && prev=${words[-2]}
	for ((i = 1; i < ${#words[@]} - 1; i++)); do
		case "${words[i]}" in
		--) dashdash=1 ;;
		--ovsdb) ovsdb=${words[i + 1]} ;;
		--ovsdb=*) ovsdb=${words[i]#--ovsdb=} ;;
		esac
	done
	[ "${words[1]-}" = tap-control ] && [ ${#words[@]} -gt 3 ] && mode=${words[2]}

	if [[ $cur == --*=* ]]; then
		opt=${cur%%=*} val=${cur#*=}
	elif [[ $prev == -* && $prev != *=* ]]; then
		opt=$prev val=$cur
	fi
	case "$opt" in
	-n|--netdev|-d|--disk|--bios|--uefi-nvram|--kvm|--accel|--ovsdb|--ovs-timeout|\
	--ovn-timeout|--owner-pid|--name|--hotplug-ports) ;;
	*) opt="" ;;
	esac
	[ -n "$mode" ] && case "$opt" in -n|--netdev|-d|--disk|--bios|--uefi-nvram|--kvm|--accel)
		opt="" ;; esac

	if [ -n "$dashdash" ] && [ -z "$mode" ]; then
		mapfile -t replies < <(compgen -f -- "$cur")	# qemu's arguments
		compopt -o filenames 2>/dev/null
	elif [ -n "$opt" ]; then
		case "$opt" in
		-n|--netdev) mapfile -t replies < <(_xkvm_netdev "$xkvm" "$ovsdb" "$val") ;;
		-d|--disk|--bios|--uefi-nvram) mapfile -t replies < <(compgen -f -- "$val")
			compopt -o filenames 2>/dev/null ;;
		--kvm) mapfile -t replies < <(compgen -c -- "$val") ;;
		--accel) mapfile -t replies < <(compgen -W "kvm tcg auto" -- "$val") ;;
		esac
		[[ $cur == --*=* ]] && replies=("${replies[@]/#/$opt=}")
	elif [ ${#words[@]} -eq 2 ] && [[ $cur != -* ]]; then
		mapfile -t replies < <(compgen -W "tap-control ctl" -- "$cur")
	elif [ "${words[1]-}" = ctl ] && [ ${#words[@]} -eq 3 ]; then
		mapfile -t replies < <(compgen -W "$(_xkvm_ctl_names)" -- "$cur")
	elif [ "${words[1]-}" = ctl ] && [ ${#words[@]} -eq 4 ]; then
		mapfile -t replies < <(compgen -W "$_xkvm_ctl_cmds" -- "$cur")
	elif [ "${words[1]-}" = ctl ]; then
		:	# NICs are the launch's to tell: `xkvm ctl NAME list`
	elif [ "${words[1]-}" = tap-control ] && [ ${#words[@]} -eq 3 ]; then
		mapfile -t replies < <(compgen -W "$_xkvm_modes --help" -- "$cur")
	elif [ -n "$mode" ] && [[ $cur == -* ]]; then
		local o="-v --verbose -h --help"
		case "$mode" in
		make-nics) o+=" --owner-pid --ovsdb --ovs-timeout --with-datapath --ovs-no-wait
			--ovn-timeout --ovn-no-wait --ovs-iface-steal" ;;
		ovs-cleanup) o+=" --force --ovsdb --ovs-timeout" ;;
		gc|list|bridges) o+=" --ovsdb --ovs-timeout" ;;
		move-nic) o+=" --owner-pid --ovsdb --ovs-timeout" ;;
		esac
		mapfile -t replies < <(compgen -W "$o" -- "$cur")
	elif [ -n "$mode" ]; then
		case "$mode" in
		make-nics) mapfile -t replies < <(_xkvm_netdev "$xkvm" "$ovsdb" "$cur" make-nics) ;;
		del-nics|link|netem|capture|move-nic)
			mapfile -t replies < <(compgen -W "$(_xkvm_run "$xkvm" "$ovsdb" taps)" -- "$cur") ;;
		ovs-cleanup) mapfile -t replies < <(compgen -W "$(_xkvm_run "$xkvm" "$ovsdb" ports)" -- "$cur") ;;
		esac
	elif [[ $cur == -* ]]; then
		mapfile -t replies < <(compgen -W "$_xkvm_opts -n -d -v -h -V" -- "$cur")
	fi

	# bash replaces only the part after the last '=' or ':' of the word.
	if [[ $cur == *[=:]* ]]; then
		strip=${cur%"${cur##*[=:]}"}
		replies=("${replies[@]#"$strip"}")
	fi
	COMPREPLY=()
	for w in "${replies[@]}"; do
		[ -n "$w" ] && COMPREPLY+=("$w")
	done
	if [ ${#COMPREPLY[@]} -eq 1 ] && [[ ${COMPREPLY[0]} == *[=:,] ]]; then
		compopt -o nospace 2>/dev/null
	fi
	return 0
}
complete -F _xkvm xkvm
