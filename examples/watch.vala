// SPDX-License-Identifier: LGPL-2.1-or-later
// Runs several shell commands at once and, from one MainLoop, prints what
// each one printed and how it ended, in the order they end.
//
//   valac --pkg gpidfd-1 watch.vala
//   ./watch 'sleep 1; echo awake' 'exit 3' 'kill -TERM $$'
//
// The same program as watch.py, watch.js and watch-children.c, with the
// same calls.

const string[] DEMO = { "sleep 0.3; echo awake", "sleep 0.1; exit 3", "sleep 0.2; kill -TERM $$", "echo hello" };

MainLoop loop;
int running = 0;
bool failed = false;

string describe (GPidFd.PidFdExitInfo info) {
    if (!info.has_status ())
        return "ended; its status is unknown";
    if (info.get_if_exited ())
        return "exited with status %d".printf (info.get_exit_status ());
    return "was killed by signal %d (%s)".printf (info.get_term_sig (),
                                                  strsignal (info.get_term_sig ()));
}

async void watch (string command) {
    running++;
    try {
        // Held by its pidfd from birth: there is no pid to race with.
        var pidfd = new GPidFd.PidFd.spawnv ({ "/bin/sh", "-c", command },
                                             SubprocessFlags.STDOUT_PIPE);
        print ("[%d] '%s' started\n", pidfd.get_pid (), command);

        // Reads stdout to its end and waits for the process, without
        // blocking; every pending wait of the main context shares one
        // epoll fd.
        string output;
        yield pidfd.communicate_utf8_async (null, null, out output);
        // The process has ended and been reaped: its record is there.
        var info = pidfd.wait ();
        foreach (var line in output.split ("\n")) {
            if (line != "")
                print ("[%d] '%s' printed: %s\n", info.get_pid (), command, line);
        }
        print ("[%d] '%s' %s\n", info.get_pid (), command, describe (info));
    } catch (Error e) {
        printerr ("'%s': %s\n", command, e.message);
        failed = true;
    }
    if (--running == 0)
        loop.quit ();
}

int main (string[] args) {
    loop = new MainLoop ();
    var commands = args.length > 1 ? args[1:args.length] : DEMO;
    foreach (var command in commands)
        watch.begin (command);
    if (running > 0)
        loop.run ();
    return failed ? 1 : 0;
}
