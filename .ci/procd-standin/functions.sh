# shellcheck shell=sh
# A stand-in for OpenWrt's /lib/functions.sh and /lib/functions/procd.sh, enough to run
# contrib/openwrt's init script and hotplug hook off a router (.ci/contrib). Everything lives
# under $PQPSK_ROOT.
#
# UCI: the config file is read as shell, as OpenWrt itself once did (`config TYPE NAME`,
# `option NAME VALUE`). procd: each instance's command, environment and other parameters are
# written to $PQPSK_ROOT/standin/new/NAME.{args,env,params}, one item a line; rc.common then
# starts, keeps or stops processes as procd would.

# shellcheck disable=SC2317 # config() and option() are called by the sourced config file
_standin=$PQPSK_ROOT/standin

config_load() {
	_cfg_sections=""
	_cfg_current=""
	config() {
		_cfg_current=$2
		_cfg_sections="$_cfg_sections $2"
		eval "_cfg_type_$2=\$1"
	}
	option() {
		eval "_cfg_${_cfg_current}_$1=\$2"
	}
	# shellcheck source=/dev/null
	. "$PQPSK_ROOT/etc/config/$1"
}

config_foreach() {
	local function=$1 type=$2 section section_type
	for section in $_cfg_sections; do
		eval "section_type=\${_cfg_type_$section}"
		[ "$section_type" = "$type" ] || continue
		"$function" "$section"
	done
}

# config_get VAR SECTION OPTION [DEFAULT]
config_get() {
	eval "$1=\${_cfg_$2_$3:-\${4:-}}"
}

config_get_bool() {
	local value
	config_get value "$2" "$3" "$4"
	case $value in
		1 | on | true | yes | enabled) value=1 ;;
		0 | off | false | no | disabled) value=0 ;;
		*) value=${4:-0} ;;
	esac
	eval "$1=\$value"
}

procd_open_instance() {
	_instance=$1
	mkdir -p "$_standin/new"
	: >"$_standin/new/$_instance.args"
	: >"$_standin/new/$_instance.env"
	: >"$_standin/new/$_instance.params"
}

# procd_set_param NAME VALUE...: command and env are kept apart (they make the process).
procd_set_param() {
	local name=$1
	shift
	case $name in
		command) : >"$_standin/new/$_instance.args" ;;
		env) : >"$_standin/new/$_instance.env" ;;
	esac
	procd_append_param "$name" "$@"
}

procd_append_param() {
	local name=$1 file
	shift
	case $name in
		command) file=$_standin/new/$_instance.args ;;
		env) file=$_standin/new/$_instance.env ;;
		*)
			echo "$name $*" >>"$_standin/new/$_instance.params"
			return 0
			;;
	esac
	for item in "$@"; do
		printf '%s\n' "$item" >>"$file"
	done
}

procd_close_instance() {
	_instance=""
}

procd_add_reload_trigger() {
	echo "reload_trigger $*" >>"$_standin/triggers"
}
