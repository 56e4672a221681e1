// SPDX-License-Identifier: LGPL-2.1-or-later
// What the Vala suites share: a main loop that fails the test instead of
// hanging, and the end of every process a test started.

// Every main loop here gives up after this many seconds and fails.
const uint LOOP_TIMEOUT_S = 10;

// Runs loop until it quits, failing the test after LOOP_TIMEOUT_S.
void run_loop (MainLoop loop) {
    bool timed_out = false;
    var id = Timeout.add_seconds (LOOP_TIMEOUT_S, () => {
        timed_out = true;
        loop.quit ();
        return Source.REMOVE;
    });
    loop.run ();
    if (timed_out)
        error ("main loop timed out after %u s", LOOP_TIMEOUT_S);
    Source.remove (id);
}

// Kills the process, unless it has ended, and reaps it.
void kill_and_reap (GPidFd.PidFd pidfd) {
    try {
        pidfd.force_exit ();
    } catch (Error e) {
        // Already reaped.
    }
    try {
        pidfd.wait ();
    } catch (Error e) {
        error ("cannot reap %d: %s", pidfd.pid, e.message);
    }
}
