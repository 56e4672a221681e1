// SPDX-License-Identifier: LGPL-2.1-or-later
// Runs several shell commands at once and, from one MainLoop, prints how
// each one ended, in the order they end.
//
//   valac --pkg gpidfd-1 watch.vala
//   ./watch 'sleep 1' 'exit 3' 'kill -TERM $$'
//
// The same program as watch.py, watch.js and watch-children.c, with the
// same calls.

const string[] DEMO = { "sleep 0.3", "sleep 0.1; exit 3", "sleep 0.2; kill -TERM $$", "true" };

MainLoop loop;
int running = 0;
bool failed = false;

string describe (GPidFd.PidFdExitInfo info) {
    if (!info.has_status ())
        return "ended; its status is unknown";
    if (info.get_exited ())
        return "exited with status %d".printf (info.get_exit_status ());
    return "was killed by signal %d (%s)".printf (info.get_term_signal (),
                                                  strsignal (info.get_term_signal ()));
}

async void watch (string command) {
    running++;
    try {
        // DO_NOT_REAP_CHILD: nothing but the wait below reaps the child, so
        // its pid is valid until the pidfd is open.
        Pid pid;
        Process.spawn_async (null, { "/bin/sh", "-c", command }, null,
                             SpawnFlags.DO_NOT_REAP_CHILD, null, out pid);
        var pidfd = new GPidFd.PidFd.from_pid (pid);
        print ("[%d] '%s' started\n", pid, command);

        // Every pending wait of the main context shares one epoll fd.
        var info = yield pidfd.wait_async ();
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
