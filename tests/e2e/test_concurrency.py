"""Two app sessions at once on one workspace: uploads and runs from both, nothing lost."""

import threading

import pytest
from helpers import CUSTOMERS, TRANSACTIONS, data_page, load, segment_page, with_features

from segmentation.segment.runs import list_runs
from segmentation.workspace import open_workspace


# AppTest's own script thread can outlive the test and then finds no Streamlit runtime while
# cleaning up media references; that is the test harness, not the app (whose exceptions the
# test checks below).
@pytest.fixture
def app_test_mode():
    """AppTest switches Streamlit's global ``global.appTest`` on for each run and back to what
    it was after: two runs on two threads race, and the later one runs with it off (its
    widgets' test data is then missing). Held on for the whole test, both runs see it on."""
    from streamlit import config

    before = config.get_option("global.appTest")
    config.set_option("global.appTest", True)
    yield
    config.set_option("global.appTest", before)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_two_sessions_upload_and_run_at_the_same_time(monkeypatch, workspace_path, app_test_mode):
    with_features(workspace_path)  # a feature table "feat" both sessions can use
    uploader = data_page(monkeypatch, workspace_path)
    runner = segment_page(monkeypatch, workspace_path)
    uploader.file_uploader[0].set_value(
        [
            ("more_customers.csv", CUSTOMERS.read_bytes(), "text/csv"),
            ("more_orders.csv", TRANSACTIONS.read_bytes(), "text/csv"),
        ]
    )
    errors: list[BaseException] = []

    def upload():
        try:
            uploader.run()
            uploader.button[0].click().run()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def run_twice():
        try:
            for k in (3, 4):
                runner.number_input(key="seg_kmeans_n_clusters").set_value(k).run()
                runner.button(key="seg_run").click().run()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=upload), threading.Thread(target=run_twice)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    assert not errors
    assert not uploader.exception and not runner.exception
    assert not uploader.error and not runner.error
    ws = open_workspace(workspace_path)
    names = {t.name for t in ws.tables()}
    assert {"transactions", "feat", "more_customers", "more_orders"} <= names
    assert sorted(len(r.segments) for r in list_runs(ws)) == [3, 4]
    for table in ws.tables():
        assert ws.query(f'SELECT count(*) FROM "{table.name}"')[0][0] == table.rows


def test_many_threads_reading_while_one_writes(workspace_path):
    load(workspace_path, CUSTOMERS)
    ws = open_workspace(workspace_path)
    stop = threading.Event()
    failures: list[BaseException] = []

    def read():
        while not stop.is_set():
            try:
                assert ws.preview("customers", 5).shape[0] == 5
                ws.tables()
            except BaseException as exc:  # noqa: BLE001
                failures.append(exc)
                return

    readers = [threading.Thread(target=read) for _ in range(4)]
    for reader in readers:
        reader.start()
    try:
        load(workspace_path, TRANSACTIONS)
    finally:
        stop.set()
        for reader in readers:
            reader.join(timeout=30)
    assert not failures
    assert {t.name for t in ws.tables()} == {"customers", "transactions"}
