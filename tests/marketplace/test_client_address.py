"""REMOTE_ADDR is the client's own address; X-Forwarded-For counts only from a trusted proxy."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from marketplace.client_address import ClientAddressMiddleware, client_address

PROXY = "10.0.0.5"


@pytest.mark.parametrize(
    ("remote", "forwarded", "proxies", "expected"),
    [
        # No trusted proxy (the default): whatever the header says is ignored.
        ("203.0.113.7", "198.51.100.1", (), "203.0.113.7"),
        # A client that is not our proxy cannot speak for anyone.
        ("203.0.113.7", "198.51.100.1", (PROXY,), "203.0.113.7"),
        # Our proxy appended the address it received from: that is the client.
        (PROXY, "198.51.100.1", (PROXY,), "198.51.100.1"),
        # A forged entry left of the proxy's own is skipped: the right-most untrusted one counts.
        (PROXY, "1.2.3.4, 198.51.100.1", (PROXY,), "198.51.100.1"),
        # Two proxies of ours (a network), then the client.
        ("10.0.1.9", "198.51.100.1, 10.0.1.8", ("10.0.1.0/24",), "198.51.100.1"),
        # Garbage from the client stops the walk at the last trusted hop.
        (PROXY, "not-an-ip", (PROXY,), PROXY),
        (PROXY, "", (PROXY,), PROXY),
        ("2001:db8::1", "2001:db8:ffff::2", ("2001:db8::/64",), "2001:db8:ffff::2"),
    ],
)
def test_client_address(remote, forwarded, proxies, expected):
    assert client_address(remote, forwarded, proxies) == expected


def test_middleware_rewrites_remote_addr_and_keeps_the_peer(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    seen = {}

    def view(request):
        seen.update(remote=request.META["REMOTE_ADDR"], peer=request.META["PEER_ADDR"])
        return HttpResponse()

    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.1")
    ClientAddressMiddleware(view)(request)
    assert seen == {"remote": "198.51.100.1", "peer": PROXY}


def test_forwarded_for_is_ignored_by_default(client, settings):
    assert settings.TRUSTED_PROXIES == []
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="1.1.1.1")
    ClientAddressMiddleware(lambda r: HttpResponse(r.META["REMOTE_ADDR"]))(request)
    assert request.META["REMOTE_ADDR"] == "203.0.113.7"
