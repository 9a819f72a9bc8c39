"""The queue's pages: the kiosk, the teller console, the lobby board (Chinese unless ?lang=en), the
seat console; refusals re-render with the reason."""
from tests.conftest import csrf_token, login


def test_kiosk_console_and_lobby_pages(bank, client, world):
    world.staff(bank.tid, "lm@bank.test", role="manager", positions=["bank.lobby_manager"])
    vip = bank.member("周钻石", tier="diamond", phone="13900000001")
    assert vip
    csrf = login(client, "lm@bank.test")
    base = "/t/huitong/bank"
    r = client.post(f"{base}/branches/{bank.branch}/kiosk", data={"csrf_token": csrf, "identifier": "13900000001",
                                                                  "kind": "bank.handling"})
    assert r.status_code == 200 and "V001" in r.get_data(as_text=True)
    r = client.post(f"{base}/branches/{bank.branch}/kiosk", data={"csrf_token": csrf, "kind": "bank.loan"})
    assert r.status_code == 422
    lobby = client.get(f"{base}/branches/{bank.branch}/lobby").get_data(as_text=True)
    assert '<html lang="zh-CN">' in lobby and 'data-number="V001"' not in lobby
    assert '<html lang="en">' in client.get(f"{base}/branches/{bank.branch}/lobby?lang=en").get_data(as_text=True)
    r = client.post(f"{base}/counters/{bank.counter1}", data={"csrf_token": csrf, "action": "call_next"})
    assert r.status_code == 302
    console = client.get(f"{base}/counters/{bank.counter1}").get_data(as_text=True)
    assert 'data-ticket="V001"' in console
    r = client.post(f"{base}/counters/{bank.counter1}", data={"csrf_token": csrf, "action": "call_next"})
    assert r.status_code == 409                                   # finish V001 first
    r = client.post(f"{base}/counters/{bank.counter1}", data={"csrf_token": csrf, "action": "serve", "ticket_id": "x"})
    assert r.status_code == 404
    rows = client.get(f"{base}/branches/{bank.branch}/lobby/rows").get_data(as_text=True)
    assert 'data-number="V001"' in rows
    assert client.get(f"{base}/queue").status_code == 200
    assert client.get(f"{base}/seats").status_code == 200
    assert client.get(f"{base}/calls").status_code == 200
    assert client.get(f"{base}/clients").status_code == 200
    assert csrf_token
