"""The threads hops run in: kept between hops, never waited for."""

import threading

from ussd_app.menus.host import HopThreads


def run_and_wait(threads: HopThreads, target) -> None:
    done = threading.Event()

    def hop():
        try:
            target()
        finally:
            done.set()

    threads.run(hop)
    assert done.wait(5)


def test_a_hop_thread_is_kept_for_the_next_hop():
    threads, seen = HopThreads(), []
    for _ in range(3):
        run_and_wait(threads, lambda: seen.append(threading.get_ident()))
        # the thread goes back to the idle list just after its hop: wait for it
        for _ in range(500):
            if threads._idle:
                break
            threading.Event().wait(0.01)
    assert len(set(seen)) == 1


def test_a_stuck_hop_never_holds_up_the_next_one():
    threads, release = HopThreads(), threading.Event()
    threads.run(release.wait)  # stuck until released
    ran = []
    run_and_wait(threads, lambda: ran.append(threading.get_ident()))  # gets a thread of its own
    assert ran
    release.set()


def test_at_most_keep_idle_threads_stay():
    threads, release, mine = HopThreads(keep=1), threading.Event(), []
    for _ in range(3):
        threads.run(lambda: (mine.append(threading.current_thread()), release.wait(5)))
    release.set()
    for _ in range(500):
        if len(mine) == 3 and sum(t.is_alive() for t in mine) == 1:
            break
        threading.Event().wait(0.01)
    assert len(mine) == 3 and sum(t.is_alive() for t in mine) == 1  # the two others ended
    assert len(threads._idle) == 1
