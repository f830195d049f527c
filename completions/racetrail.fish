# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_racetrail_global_optspecs
    string join \n h/help V/version
end

function __fish_racetrail_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_racetrail_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_racetrail_using_subcommand
    set -l cmd (__fish_racetrail_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c racetrail -n "__fish_racetrail_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c racetrail -n "__fish_racetrail_needs_command" -s V -l version -d 'Print version'
complete -c racetrail -n "__fish_racetrail_needs_command" -f -a "scan" -d 'Scan logs and report conflicting map accesses'
complete -c racetrail -n "__fish_racetrail_needs_command" -f -a "graph" -d 'Draw the conflicts as a Graphviz graph (scan --format dot)'
complete -c racetrail -n "__fish_racetrail_needs_command" -f -a "timeline" -d 'Show each finding as swimlanes on the terminal: a lane per goroutine, its access windows, lock holds and waits on one time axis, the overlap highlighted, a crash marked (scan --format timeline)'
complete -c racetrail -n "__fish_racetrail_needs_command" -f -a "dumps" -d 'Digest goroutine dumps and crashes: buckets of identical stacks, states, longest waits, the crashing goroutine first'
complete -c racetrail -n "__fish_racetrail_needs_command" -f -a "merge" -d 'Combine JSON reports of separate scans (one per host or shard) into the report of one scan of all their inputs'
complete -c racetrail -n "__fish_racetrail_needs_command" -f -a "probe" -d 'Print the uprobes that see every map operation of a Go binary, and how to record them'
complete -c racetrail -n "__fish_racetrail_needs_command" -f -a "record" -d 'Record every map operation of a Go program with uprobes, into a capture that `racetrail scan` reads with the program\'s logs'
complete -c racetrail -n "__fish_racetrail_needs_command" -f -a "generate" -d 'Write the man page or a shell completion script to stdout'
complete -c racetrail -n "__fish_racetrail_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c racetrail -n "__fish_racetrail_using_subcommand scan" -s f -l format -d 'Output format [default: table; dot for `graph`, timeline for `timeline`]' -r -f -a "table\t'Tables for a terminal, fitted to its width (COLUMNS, else 80). A conflict site\'s `first … last`: the start of its earliest conflicting window and how much later its latest one started'
json\t'The racetrail.report/v1 JSON document'
dot\t'A Graphviz graph'
mermaid\t'A Mermaid flowchart: conflict paths, wait chains, deadlocks'
sarif\t'SARIF 2.1.0, for code-scanning tools'
jsonl\t'One finding per line, each with a `type`'
timeline\t'Swimlanes of each finding for a terminal (the timeline command)'
html\t'One self-contained HTML page: summary, sortable tables, a timeline per finding, the contention graph, dump digests, the evidence lines'
trace\t'Trace Event Format JSON for Perfetto or chrome://tracing: a process per scope, a thread per goroutine, every window, hold and wait'"
complete -c racetrail -n "__fish_racetrail_using_subcommand scan" -s o -l output -d 'Write the report to this file instead of stdout' -r -F
complete -c racetrail -n "__fish_racetrail_using_subcommand scan" -l baseline -d 'An earlier JSON report (or JSON lines): its findings are known, and only new ones fail the run' -r -F
complete -c racetrail -n "__fish_racetrail_using_subcommand scan" -l fail-on -d 'Which findings make the exit status 1 [default: any; new with --baseline]' -r -f -a "new\t'Findings the baseline does not have'
any\t'Every finding'
never\t'Never: exit 0 unless there is an error'"
complete -c racetrail -n "__fish_racetrail_using_subcommand scan" -l mode -d 'window: overlapping access windows in time; hb: happens-before races of complete traces (STD traces, or logs of every lock, fork and join)' -r -f -a "window\t'Conflicts are windows that overlap in time'
hb\t'Races are accesses no happens-before path orders, whatever their times'"
complete -c racetrail -n "__fish_racetrail_using_subcommand scan" -l slack -d 'Windows that come within this of each other overlap (Go syntax: 100us, 1ms)' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand scan" -l sampler -d 'The log sampler whose drops to recognise: FIRST/THEREAFTER/TICK per level and message (zap\'s production default), or `none` to declare the logs complete. Accesses, holds and waits where records may be missing are uncertain: their conflicts are counted as unconfirmed, never as findings' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand scan" -l examples -d 'Example pairs kept per conflict site' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand scan" -l input-format -d 'Read every line as this format instead of detecting it per line' -r -f -a "json\t'One JSON object per line (zap production, slog, logrus)'
console\t'zap\'s development console encoder'
logfmt\t'key=value pairs (slog text, logrus text)'"
complete -c racetrail -n "__fish_racetrail_using_subcommand scan" -l since -d 'Replay only from this time on (RFC 3339 or epoch); windows and holds are cut there' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand scan" -l until -d 'Replay only up to this time (RFC 3339 or epoch)' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand scan" -l trace -d 'Show only findings involving this trace id' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand scan" -l object -d 'Show only findings on this map or lock (its id, or the name a record gave it)' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand scan" -l goroutine -d 'Show only findings involving this goroutine (log goroutine ids, not race-detector numbers)' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand scan" -l source-root -d 'Where the Go sources are, for joining static analysers\' findings (SARIF, go vet -json, staticcheck -f json among the inputs) to runtime findings in the same function; a file is found by the longest suffix of its path that exists under DIR. Repeatable' -r -F
complete -c racetrail -n "__fish_racetrail_using_subcommand scan" -l around -d 'Time shown before and after each finding in timelines (timeline, html), e.g. 50us [default: half the finding\'s span, at least 1us]' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand scan" -l field -d 'Name the field of a concept, e.g. --field actor=worker --field object=cache' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand scan" -l mmap -d 'How files are read: auto maps large files into memory' -r -f -a "auto\t'Map large regular files, read small ones'
never\t'Always read files into memory'"
complete -c racetrail -n "__fish_racetrail_using_subcommand scan" -l max-decompressed -d 'Stop decompressing an input past this many bytes (K, M, G suffixes)' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand scan" -l max-errors -d 'Fail (exit 2) when more lines than this cannot be parsed [default: unlimited]' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand scan" -l max-line-bytes -d 'Longer lines are diagnostics, not records' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand scan" -s j -l threads -d 'Worker threads [default: one per core]' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand scan" -l color -d 'When to colour the table and the timeline' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t''
never\t''"
complete -c racetrail -n "__fish_racetrail_using_subcommand scan" -l one-process -d 'All inputs are one process (rotated logs): goroutine and map ids are joined across them'
complete -c racetrail -n "__fish_racetrail_using_subcommand scan" -s q -l quiet -d 'Print nothing but the report (no progress, no messages)'
complete -c racetrail -n "__fish_racetrail_using_subcommand scan" -l timings -d 'Print the wall time, resident memory and heap after each stage to stderr'
complete -c racetrail -n "__fish_racetrail_using_subcommand scan" -l no-config -d 'Ignore the default arguments in the file named by RACETRAIL_CONFIG_PATH'
complete -c racetrail -n "__fish_racetrail_using_subcommand scan" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c racetrail -n "__fish_racetrail_using_subcommand scan" -s V -l version -d 'Print version'
complete -c racetrail -n "__fish_racetrail_using_subcommand graph" -s f -l format -d 'Output format [default: table; dot for `graph`, timeline for `timeline`]' -r -f -a "table\t'Tables for a terminal, fitted to its width (COLUMNS, else 80). A conflict site\'s `first … last`: the start of its earliest conflicting window and how much later its latest one started'
json\t'The racetrail.report/v1 JSON document'
dot\t'A Graphviz graph'
mermaid\t'A Mermaid flowchart: conflict paths, wait chains, deadlocks'
sarif\t'SARIF 2.1.0, for code-scanning tools'
jsonl\t'One finding per line, each with a `type`'
timeline\t'Swimlanes of each finding for a terminal (the timeline command)'
html\t'One self-contained HTML page: summary, sortable tables, a timeline per finding, the contention graph, dump digests, the evidence lines'
trace\t'Trace Event Format JSON for Perfetto or chrome://tracing: a process per scope, a thread per goroutine, every window, hold and wait'"
complete -c racetrail -n "__fish_racetrail_using_subcommand graph" -s o -l output -d 'Write the report to this file instead of stdout' -r -F
complete -c racetrail -n "__fish_racetrail_using_subcommand graph" -l baseline -d 'An earlier JSON report (or JSON lines): its findings are known, and only new ones fail the run' -r -F
complete -c racetrail -n "__fish_racetrail_using_subcommand graph" -l fail-on -d 'Which findings make the exit status 1 [default: any; new with --baseline]' -r -f -a "new\t'Findings the baseline does not have'
any\t'Every finding'
never\t'Never: exit 0 unless there is an error'"
complete -c racetrail -n "__fish_racetrail_using_subcommand graph" -l mode -d 'window: overlapping access windows in time; hb: happens-before races of complete traces (STD traces, or logs of every lock, fork and join)' -r -f -a "window\t'Conflicts are windows that overlap in time'
hb\t'Races are accesses no happens-before path orders, whatever their times'"
complete -c racetrail -n "__fish_racetrail_using_subcommand graph" -l slack -d 'Windows that come within this of each other overlap (Go syntax: 100us, 1ms)' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand graph" -l sampler -d 'The log sampler whose drops to recognise: FIRST/THEREAFTER/TICK per level and message (zap\'s production default), or `none` to declare the logs complete. Accesses, holds and waits where records may be missing are uncertain: their conflicts are counted as unconfirmed, never as findings' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand graph" -l examples -d 'Example pairs kept per conflict site' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand graph" -l input-format -d 'Read every line as this format instead of detecting it per line' -r -f -a "json\t'One JSON object per line (zap production, slog, logrus)'
console\t'zap\'s development console encoder'
logfmt\t'key=value pairs (slog text, logrus text)'"
complete -c racetrail -n "__fish_racetrail_using_subcommand graph" -l since -d 'Replay only from this time on (RFC 3339 or epoch); windows and holds are cut there' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand graph" -l until -d 'Replay only up to this time (RFC 3339 or epoch)' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand graph" -l trace -d 'Show only findings involving this trace id' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand graph" -l object -d 'Show only findings on this map or lock (its id, or the name a record gave it)' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand graph" -l goroutine -d 'Show only findings involving this goroutine (log goroutine ids, not race-detector numbers)' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand graph" -l source-root -d 'Where the Go sources are, for joining static analysers\' findings (SARIF, go vet -json, staticcheck -f json among the inputs) to runtime findings in the same function; a file is found by the longest suffix of its path that exists under DIR. Repeatable' -r -F
complete -c racetrail -n "__fish_racetrail_using_subcommand graph" -l around -d 'Time shown before and after each finding in timelines (timeline, html), e.g. 50us [default: half the finding\'s span, at least 1us]' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand graph" -l field -d 'Name the field of a concept, e.g. --field actor=worker --field object=cache' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand graph" -l mmap -d 'How files are read: auto maps large files into memory' -r -f -a "auto\t'Map large regular files, read small ones'
never\t'Always read files into memory'"
complete -c racetrail -n "__fish_racetrail_using_subcommand graph" -l max-decompressed -d 'Stop decompressing an input past this many bytes (K, M, G suffixes)' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand graph" -l max-errors -d 'Fail (exit 2) when more lines than this cannot be parsed [default: unlimited]' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand graph" -l max-line-bytes -d 'Longer lines are diagnostics, not records' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand graph" -s j -l threads -d 'Worker threads [default: one per core]' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand graph" -l color -d 'When to colour the table and the timeline' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t''
never\t''"
complete -c racetrail -n "__fish_racetrail_using_subcommand graph" -l one-process -d 'All inputs are one process (rotated logs): goroutine and map ids are joined across them'
complete -c racetrail -n "__fish_racetrail_using_subcommand graph" -s q -l quiet -d 'Print nothing but the report (no progress, no messages)'
complete -c racetrail -n "__fish_racetrail_using_subcommand graph" -l timings -d 'Print the wall time, resident memory and heap after each stage to stderr'
complete -c racetrail -n "__fish_racetrail_using_subcommand graph" -l no-config -d 'Ignore the default arguments in the file named by RACETRAIL_CONFIG_PATH'
complete -c racetrail -n "__fish_racetrail_using_subcommand graph" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c racetrail -n "__fish_racetrail_using_subcommand graph" -s V -l version -d 'Print version'
complete -c racetrail -n "__fish_racetrail_using_subcommand timeline" -s f -l format -d 'Output format [default: table; dot for `graph`, timeline for `timeline`]' -r -f -a "table\t'Tables for a terminal, fitted to its width (COLUMNS, else 80). A conflict site\'s `first … last`: the start of its earliest conflicting window and how much later its latest one started'
json\t'The racetrail.report/v1 JSON document'
dot\t'A Graphviz graph'
mermaid\t'A Mermaid flowchart: conflict paths, wait chains, deadlocks'
sarif\t'SARIF 2.1.0, for code-scanning tools'
jsonl\t'One finding per line, each with a `type`'
timeline\t'Swimlanes of each finding for a terminal (the timeline command)'
html\t'One self-contained HTML page: summary, sortable tables, a timeline per finding, the contention graph, dump digests, the evidence lines'
trace\t'Trace Event Format JSON for Perfetto or chrome://tracing: a process per scope, a thread per goroutine, every window, hold and wait'"
complete -c racetrail -n "__fish_racetrail_using_subcommand timeline" -s o -l output -d 'Write the report to this file instead of stdout' -r -F
complete -c racetrail -n "__fish_racetrail_using_subcommand timeline" -l baseline -d 'An earlier JSON report (or JSON lines): its findings are known, and only new ones fail the run' -r -F
complete -c racetrail -n "__fish_racetrail_using_subcommand timeline" -l fail-on -d 'Which findings make the exit status 1 [default: any; new with --baseline]' -r -f -a "new\t'Findings the baseline does not have'
any\t'Every finding'
never\t'Never: exit 0 unless there is an error'"
complete -c racetrail -n "__fish_racetrail_using_subcommand timeline" -l mode -d 'window: overlapping access windows in time; hb: happens-before races of complete traces (STD traces, or logs of every lock, fork and join)' -r -f -a "window\t'Conflicts are windows that overlap in time'
hb\t'Races are accesses no happens-before path orders, whatever their times'"
complete -c racetrail -n "__fish_racetrail_using_subcommand timeline" -l slack -d 'Windows that come within this of each other overlap (Go syntax: 100us, 1ms)' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand timeline" -l sampler -d 'The log sampler whose drops to recognise: FIRST/THEREAFTER/TICK per level and message (zap\'s production default), or `none` to declare the logs complete. Accesses, holds and waits where records may be missing are uncertain: their conflicts are counted as unconfirmed, never as findings' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand timeline" -l examples -d 'Example pairs kept per conflict site' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand timeline" -l input-format -d 'Read every line as this format instead of detecting it per line' -r -f -a "json\t'One JSON object per line (zap production, slog, logrus)'
console\t'zap\'s development console encoder'
logfmt\t'key=value pairs (slog text, logrus text)'"
complete -c racetrail -n "__fish_racetrail_using_subcommand timeline" -l since -d 'Replay only from this time on (RFC 3339 or epoch); windows and holds are cut there' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand timeline" -l until -d 'Replay only up to this time (RFC 3339 or epoch)' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand timeline" -l trace -d 'Show only findings involving this trace id' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand timeline" -l object -d 'Show only findings on this map or lock (its id, or the name a record gave it)' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand timeline" -l goroutine -d 'Show only findings involving this goroutine (log goroutine ids, not race-detector numbers)' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand timeline" -l source-root -d 'Where the Go sources are, for joining static analysers\' findings (SARIF, go vet -json, staticcheck -f json among the inputs) to runtime findings in the same function; a file is found by the longest suffix of its path that exists under DIR. Repeatable' -r -F
complete -c racetrail -n "__fish_racetrail_using_subcommand timeline" -l around -d 'Time shown before and after each finding in timelines (timeline, html), e.g. 50us [default: half the finding\'s span, at least 1us]' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand timeline" -l field -d 'Name the field of a concept, e.g. --field actor=worker --field object=cache' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand timeline" -l mmap -d 'How files are read: auto maps large files into memory' -r -f -a "auto\t'Map large regular files, read small ones'
never\t'Always read files into memory'"
complete -c racetrail -n "__fish_racetrail_using_subcommand timeline" -l max-decompressed -d 'Stop decompressing an input past this many bytes (K, M, G suffixes)' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand timeline" -l max-errors -d 'Fail (exit 2) when more lines than this cannot be parsed [default: unlimited]' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand timeline" -l max-line-bytes -d 'Longer lines are diagnostics, not records' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand timeline" -s j -l threads -d 'Worker threads [default: one per core]' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand timeline" -l color -d 'When to colour the table and the timeline' -r -f -a "auto\t'Colour when stdout is a terminal and NO_COLOR is unset'
always\t''
never\t''"
complete -c racetrail -n "__fish_racetrail_using_subcommand timeline" -l one-process -d 'All inputs are one process (rotated logs): goroutine and map ids are joined across them'
complete -c racetrail -n "__fish_racetrail_using_subcommand timeline" -s q -l quiet -d 'Print nothing but the report (no progress, no messages)'
complete -c racetrail -n "__fish_racetrail_using_subcommand timeline" -l timings -d 'Print the wall time, resident memory and heap after each stage to stderr'
complete -c racetrail -n "__fish_racetrail_using_subcommand timeline" -l no-config -d 'Ignore the default arguments in the file named by RACETRAIL_CONFIG_PATH'
complete -c racetrail -n "__fish_racetrail_using_subcommand timeline" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c racetrail -n "__fish_racetrail_using_subcommand timeline" -s V -l version -d 'Print version'
complete -c racetrail -n "__fish_racetrail_using_subcommand dumps" -s f -l format -d 'Output format' -r -f -a "table\t'A text digest'
json\t'The racetrail.dumps/v1 JSON document'"
complete -c racetrail -n "__fish_racetrail_using_subcommand dumps" -l buckets -d 'Buckets of identical stacks shown per dump' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand dumps" -l mmap -d 'How files are read: auto maps large files into memory' -r -f -a "auto\t'Map large regular files, read small ones'
never\t'Always read files into memory'"
complete -c racetrail -n "__fish_racetrail_using_subcommand dumps" -s j -l threads -d 'Worker threads [default: one per core]' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand dumps" -s q -l quiet -d 'Print nothing but the digest'
complete -c racetrail -n "__fish_racetrail_using_subcommand dumps" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c racetrail -n "__fish_racetrail_using_subcommand dumps" -s V -l version -d 'Print version'
complete -c racetrail -n "__fish_racetrail_using_subcommand merge" -s o -l output -d 'Write the merged report to this file instead of stdout' -r -F
complete -c racetrail -n "__fish_racetrail_using_subcommand merge" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c racetrail -n "__fish_racetrail_using_subcommand merge" -s V -l version -d 'Print version'
complete -c racetrail -n "__fish_racetrail_using_subcommand probe" -l group -d 'The tracefs group of the printed probes' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand probe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c racetrail -n "__fish_racetrail_using_subcommand probe" -s V -l version -d 'Print version'
complete -c racetrail -n "__fish_racetrail_using_subcommand record" -s o -l output -d 'Write the capture here' -r -F
complete -c racetrail -n "__fish_racetrail_using_subcommand record" -l pid -d 'Attach to this running process instead of starting a command' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand record" -l duration -d 'With --pid: stop after this long (Go syntax: 10s, 1m) [default: until Ctrl-C or exit]' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand record" -l mmap-pages -d 'perf\'s buffer per CPU, in pages (more loses fewer events under load)' -r
complete -c racetrail -n "__fish_racetrail_using_subcommand record" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c racetrail -n "__fish_racetrail_using_subcommand record" -s V -l version -d 'Print version'
complete -c racetrail -n "__fish_racetrail_using_subcommand generate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c racetrail -n "__fish_racetrail_using_subcommand generate" -s V -l version -d 'Print version'
complete -c racetrail -n "__fish_racetrail_using_subcommand help; and not __fish_seen_subcommand_from scan graph timeline dumps merge probe record generate help" -f -a "scan" -d 'Scan logs and report conflicting map accesses'
complete -c racetrail -n "__fish_racetrail_using_subcommand help; and not __fish_seen_subcommand_from scan graph timeline dumps merge probe record generate help" -f -a "graph" -d 'Draw the conflicts as a Graphviz graph (scan --format dot)'
complete -c racetrail -n "__fish_racetrail_using_subcommand help; and not __fish_seen_subcommand_from scan graph timeline dumps merge probe record generate help" -f -a "timeline" -d 'Show each finding as swimlanes on the terminal: a lane per goroutine, its access windows, lock holds and waits on one time axis, the overlap highlighted, a crash marked (scan --format timeline)'
complete -c racetrail -n "__fish_racetrail_using_subcommand help; and not __fish_seen_subcommand_from scan graph timeline dumps merge probe record generate help" -f -a "dumps" -d 'Digest goroutine dumps and crashes: buckets of identical stacks, states, longest waits, the crashing goroutine first'
complete -c racetrail -n "__fish_racetrail_using_subcommand help; and not __fish_seen_subcommand_from scan graph timeline dumps merge probe record generate help" -f -a "merge" -d 'Combine JSON reports of separate scans (one per host or shard) into the report of one scan of all their inputs'
complete -c racetrail -n "__fish_racetrail_using_subcommand help; and not __fish_seen_subcommand_from scan graph timeline dumps merge probe record generate help" -f -a "probe" -d 'Print the uprobes that see every map operation of a Go binary, and how to record them'
complete -c racetrail -n "__fish_racetrail_using_subcommand help; and not __fish_seen_subcommand_from scan graph timeline dumps merge probe record generate help" -f -a "record" -d 'Record every map operation of a Go program with uprobes, into a capture that `racetrail scan` reads with the program\'s logs'
complete -c racetrail -n "__fish_racetrail_using_subcommand help; and not __fish_seen_subcommand_from scan graph timeline dumps merge probe record generate help" -f -a "generate" -d 'Write the man page or a shell completion script to stdout'
complete -c racetrail -n "__fish_racetrail_using_subcommand help; and not __fish_seen_subcommand_from scan graph timeline dumps merge probe record generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
