"""The MPI-only side channel: a real server thread and real TCP clients."""

import threading

import pytest

from fabricbench.benchmarks.kvstore import KVClient, KVServer


def test_set_get_across_clients_and_threads():
    server = KVServer("127.0.0.1")
    try:
        a, b = KVClient(*server.address), KVClient(*server.address)
        a.set("fb/arrive/0", "3")
        assert b.get("fb/arrive/0") == b"3"
        with pytest.raises(KeyError):
            b.get("never-set")

        def writer(rank):
            c = KVClient(*server.address)
            for i in range(50):
                c.set(f"fb/arrive/{rank}", str(i))
            c.close()

        threads = [threading.Thread(target=writer, args=(r,)) for r in range(1, 5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert [a.get(f"fb/arrive/{r}") for r in range(1, 5)] == [b"49"] * 4
    finally:
        server.close()


def test_the_run_path_of_an_mpi_run_uses_it_not_torch():
    from fabricbench.benchmarks import launcher

    class Topo:
        rank, size, nnodes = 0, 1, 1

        class comm:  # noqa: N801 - a stand-in for MPI's bcast on one rank
            @staticmethod
            def bcast(obj, root=0):
                return obj

    rdv = launcher.start_store(Topo(), torch_store=False)
    try:
        assert rdv.kind == "kv"
        rdv.store.set("k", "v")
        other = launcher.store_client(rdv, 1)
        assert other.get("k") == b"v"
    finally:
        rdv.server.close()
