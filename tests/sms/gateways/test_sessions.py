"""The adapters' session pool: a session serves one send at a time and is reused after it."""

import threading

from ussd_app.sms.gateways.sessions import SessionPool


def test_a_returned_session_serves_the_next_send():
    pool = SessionPool()
    with pool.session() as first:
        pass
    with pool.session() as second:
        assert second is first


def test_concurrent_sends_never_share_a_session_and_the_pool_keeps_them_all():
    pool = SessionPool()
    inside = threading.Barrier(5)  # four senders and this test
    release = threading.Event()
    lent = []

    def send():
        with pool.session() as session:
            lent.append(session)
            inside.wait(timeout=10)
            release.wait(timeout=10)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    inside.wait(timeout=10)  # all four hold a session at once
    release.set()
    for thread in threads:
        thread.join(timeout=10)
    assert len({id(s) for s in lent}) == 4
    with pool.session() as a, pool.session() as b:
        assert {id(a), id(b)} <= {id(s) for s in lent}
