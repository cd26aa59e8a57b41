# fish completion for lbtui
#
# Installed as $(datadir)/fish/vendor_completions.d/lbtui.fish, where fish
# looks through $XDG_DATA_DIRS; ~/.config/fish/completions/ will do too.
#
# Completes the options; profile names from the config file after
# --profile; theme names after --theme; and lbtui's command names after -e
# (inside quotes too). Plain fish: lbtui is not run.

# lbtui's commands, as "lbtui --help" lists them (tests/e2e/completion.test.mjs
# keeps the two the same).
set -g __lbtui_commands \
    'rooms' \
    'room show' \
    'room create' \
    'room update' \
    'room delete' \
    'storage' \
    'storage set' \
    'storage insert' \
    'storage delete' \
    'storage move' \
    'storage init' \
    'storage export' \
    'ydoc' \
    'ydoc export' \
    'ydoc update' \
    'versions' \
    'versions export' \
    'versions create' \
    'users' \
    'threads' \
    'thread show' \
    'thread create' \
    'thread delete' \
    'thread resolve' \
    'thread unresolve' \
    'thread metadata' \
    'thread subscribe' \
    'thread unsubscribe' \
    'thread subscriptions' \
    'thread participants' \
    'thread export' \
    'comment show' \
    'comment add' \
    'comment edit' \
    'comment delete' \
    'comment react' \
    'comment unreact' \
    'queue' \
    'room upsert' \
    'room rename' \
    'room prewarm' \
    'room broadcast' \
    'room copy' \
    'inbox' \
    'notification show' \
    'notification delete' \
    'notification delete-all' \
    'notification trigger' \
    'settings' \
    'subscription' \
    'notification-settings' \
    'subscriptions' \
    'why' \
    'groups' \
    'group show' \
    'group delete' \
    'group create' \
    'group add' \
    'group remove' \
    'user-groups' \
    'token authorize' \
    'token identify' \
    'token room' \
    'copilots' \
    'copilot show' \
    'copilot delete' \
    'copilot create' \
    'copilot update' \
    'knowledge' \
    'knowledge show' \
    'knowledge delete' \
    'knowledge add-web' \
    'knowledge add-file' \
    'knowledge links' \
    'knowledge read' \
    'user' \
    'events' \
    'help' \
    'quit' \
    'messages' \
    'export'

# $XDG_CONFIG_HOME/lbtui when it is an absolute path, else ~/.config/lbtui.
function __lbtui_config_dir
    if string match -q -- '/*' "$XDG_CONFIG_HOME"
        echo $XDG_CONFIG_HOME/lbtui
    else
        echo $HOME/.config/lbtui
    end
end

function __lbtui_profiles
    set -l cfg (__lbtui_config_dir)/config
    test -r $cfg; or return 0
    string replace -rf '^\s*\[\s*profile\s+([A-Za-z0-9._-]+)\s*\].*' '$1\tprofile' <$cfg
end

# "default" (built in), then the *.theme files of the user's themes
# directory, of PREFIX/share/lbtui/themes beside the lbtui being completed,
# and of each $XDG_DATA_DIRS/lbtui/themes; a value with a / is a file.
function __lbtui_themes
    set -l typed (commandline -ct)
    if string match -qr -- '^[./~]|/' $typed
        __fish_complete_path $typed
        return
    end
    set -l dirs (__lbtui_config_dir)/themes
    set -l bin (commandline -opc)[1]
    string match -q -- '*/*' $bin; or set bin (command -s -- $bin)
    if test -n "$bin"
        set -a dirs (path dirname -- $bin)/../share/lbtui/themes
        set -a dirs (path dirname -- (path resolve -- $bin))/../share/lbtui/themes
    end
    set -l data $XDG_DATA_DIRS
    test -n "$data"; or set data /usr/local/share:/usr/share
    for d in (string split : -- $data)
        set -a dirs $d/lbtui/themes
    end
    begin
        echo default
        for d in $dirs
            for f in $d/*.theme
                test -f $f; and path change-extension '' -- (path basename -- $f)
            end
        end
    end | path sort -u | string replace -r '$' '\ttheme'
end

# After -e: the first words, then after a group word and a space the whole
# names of that group (fish escapes the space, or keeps it in the quotes).
function __lbtui_exec
    set -l typed (commandline -ct)
    # What is typed inside the quote, unescaped.
    set typed (string unescape -- $typed 2>/dev/null; or string trim -c "'\"" -- $typed)
    begin
        if string match -q -- '* *' "$typed"
            set -l group (string split -m1 ' ' -- $typed)[1]
            string match -- "$group *" $__lbtui_commands
        else
            string replace -r ' .*' '' -- $__lbtui_commands | path sort -u
            string match -- '* *' $__lbtui_commands
        end
    end | string replace -r '$' '\tcommand'
end

complete -c lbtui -f
complete -c lbtui -s p -l profile -x -a '(__lbtui_profiles)' -d 'Use a profile of the config file'
complete -c lbtui -s u -l base-url -x -a 'https://api.liveblocks.io http://127.0.0.1:1153' -d 'API base URL'
complete -c lbtui -s r -l read-only -d 'Refuse every command that changes something'
complete -c lbtui -s t -l theme -x -a '(__lbtui_themes)' -d 'Colour theme (a name, or a file)'
complete -c lbtui -s e -l exec -x -a '(__lbtui_exec)' -d 'Run a command without the screen, then exit'
complete -c lbtui -s j -l json -d "With -e: print the API's JSON"
complete -c lbtui -s v -l verbose -d 'With -e: log requests to stderr'
complete -c lbtui -s V -l version -d 'Print the versions of lbtui and its libraries'
complete -c lbtui -s h -l help -d 'Print the options and the commands'
