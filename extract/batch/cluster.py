"""Dask: each document a task on a cluster's workers, its result streamed back and stored here,
so the machine running `jixiao` writes the output folder exactly as a local run would."""
from __future__ import annotations

from typing import Callable

from ..pipeline import Report
from .plan import Item, Settings
from .shards import document, failure as failed_payload, store


def dask_document(item: Item, settings: Settings) -> tuple[dict, Report | None]:
    """The per-document function as a Dask task: the result comes back to be stored here."""
    import jieba

    jieba.setLogLevel(settings.jieba_level)
    data, report = document(item, settings)
    return data, report if settings.collect else None


def run_on_dask(items: list[Item], settings: Settings, address: str, workers: int,
          done: Callable[..., None]) -> None:
    """Submit a window of documents at a time; store each result as it comes back."""
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if address == "local":
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=":0")
        client = Client(cluster)
    else:
        client = Client(address)
    try:
        window = 4 * max(1, sum(client.nthreads().values()))
        pending = iter(items)
        futures = {}

        def submit():
            item = next(pending, None)
            if item is not None:
                f = client.submit(dask_document, item, settings, key=f"jixiao-{item.key}", pure=False)
                futures[f] = item
                return f
            return None

        stream = as_completed([f for f in (submit() for _ in range(window)) if f is not None])
        for future in stream:
            item = futures.pop(future)
            try:
                data, report = future.result()
            except Exception as e:          # a task that killed its workers (KilledWorker) …
                if settings.strict:
                    raise
                data, report = failed_payload(item, f"worker crashed: {type(e).__name__}: {e}")
                done(item, data["meta"], report if settings.collect else None, data)
            else:
                store(settings.outdir, data)
                done(item, data["meta"], report)
            nxt = submit()
            if nxt is not None:
                stream.add(nxt)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
