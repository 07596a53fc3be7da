"""The SSRF address policy and URL rules as pure functions (nothing here opens a connection)."""

from __future__ import annotations

import ipaddress

import pytest

from service.webhooks.domain import ssrf

REFUSED = [
    ("127.0.0.1", "loopback"),
    ("127.0.0.2", "loopback"),
    ("10.0.0.1", "private"),
    ("172.16.0.1", "private"),
    ("192.168.1.1", "private"),
    ("169.254.169.254", "link-local"),
    ("100.64.0.1", "carrier-grade NAT"),
    ("0.0.0.0", "unspecified"),  # noqa: S104 - a value under test, not a bind
    ("224.0.0.1", "multicast"),
    ("255.255.255.255", "reserved"),
    ("::1", "loopback"),
    ("::", "unspecified"),
    ("fc00::1", "unique-local"),
    ("fd12:3456::1", "unique-local"),
    ("fe80::1", "link-local"),
    ("ff02::1", "multicast"),
    ("::ffff:127.0.0.1", "IPv4-mapped"),
    ("::ffff:93.184.216.34", "IPv4-mapped"),
    ("64:ff9b::7f00:1", "NAT64"),
    ("2002:7f00:1::1", "6to4"),
    ("2001:db8::1", "reserved"),
]


@pytest.mark.parametrize(("address", "reason"), REFUSED)
def test_internal_addresses_are_refused(address: str, reason: str) -> None:
    refusal = ssrf.address_refusal(ipaddress.ip_address(address))
    assert refusal is not None and reason in refusal


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:2800:220:1:248:1893:25c8:1946"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert ssrf.address_refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(("host", "address", "canonical"), [
    ("127.0.0.1", "127.0.0.1", True),
    ("2130706433", "127.0.0.1", False),
    ("0x7f000001", "127.0.0.1", False),
    ("0X7F000001", "127.0.0.1", False),
    ("0177.0.0.1", "127.0.0.1", False),
    ("0177.0.0.01", "127.0.0.1", False),
    ("127.1", "127.0.0.1", False),
    ("127.0.1", "127.0.0.1", False),
    ("0x7f.0x0.0x0.0x1", "127.0.0.1", False),
    ("017700000001", "127.0.0.1", False),
    ("3232235777", "192.168.1.1", False),
    ("0xa9fea9fe", "169.254.169.254", False),
    ("[::1]", "::1", True),
    ("127.0.0.1.", "127.0.0.1", True),
])
def test_every_spelling_of_an_ip_literal_is_normalised(host: str, address: str, canonical: bool) -> None:
    assert ssrf.parse_ip_literal(host) == (ipaddress.ip_address(address), canonical)


@pytest.mark.parametrize("host", ["localhost", "hr.example.nhs.uk", "256.0.0.1", "1.2.3.4.5", "0x", "08.0.0.1",
                                  "0x+7f", "1_0.0.0.1", "+127.0.0.1", "4294967296"])
def test_names_and_impossible_numbers_are_not_literals(host: str) -> None:
    assert ssrf.parse_ip_literal(host) is None


@pytest.mark.parametrize("url", [
    "https://127.0.0.1/", "https://10.0.0.1/", "https://172.16.0.1/", "https://192.168.1.1/",
    "https://169.254.169.254/latest/meta-data", "https://100.64.0.1/", "https://[::1]/", "https://[fc00::1]/",
    "https://[::ffff:127.0.0.1]/", "https://2130706433/", "https://0x7f000001/", "https://0177.0.0.1/",
    "https://127.1/", "https://[fe80::1%25eth0]/", "https://0.0.0.0/",
])
def test_urls_naming_internal_addresses_in_any_form_are_refused(url: str) -> None:
    with pytest.raises(ssrf.DestinationRefused, match=r"is an? |not a valid|host is not valid"):
        ssrf.check_url(url, allowed_hosts=("localhost",))


@pytest.mark.parametrize(("url", "message"), [
    ("http://hr.example.nhs.uk/hooks", "must use https"),
    ("ftp://hr.example.nhs.uk/hooks", "must use https"),
    ("https:///hooks", "scheme and a host"),
    ("hooks/only", "scheme and a host"),
    ("https://user:pw@hr.example.nhs.uk/", "user name or password"),
    ("https://hr.example.nhs.uk/#top", "fragment"),
    ("https://" + "a" * 2100 + ".uk/", "longer than"),
    ("https://1.2.3.4.5/", "not a valid IP address"),
    ("https://1572395042/", r"standard form \(93\.184\.216\.34\)"),
])
def test_url_rules_name_the_problem(url: str, message: str) -> None:
    with pytest.raises(ssrf.DestinationRefused, match=message):
        ssrf.check_url(url, allowed_hosts=())


def test_public_https_urls_pass_and_names_are_left_to_connect_time() -> None:
    named = ssrf.check_url("https://HR.Example.NHS.uk/hooks?token=x", allowed_hosts=())
    assert (named.host, named.address, named.allow_listed) == ("hr.example.nhs.uk", None, False)
    literal = ssrf.check_url("https://93.184.216.34:8443/hooks", allowed_hosts=())
    assert literal.address == ipaddress.ip_address("93.184.216.34")


@pytest.mark.parametrize("url", [
    "http://１２７.０.０.１:9000/x",  # full-width digits and full stops
    "http://127。0。0。1:9000/x",  # ideographic full stops
    "http://127.0.0.1\t:9000/x", " http://127.0.0.1:9000/x", "http://127.0.0.1:9000/x ", "http://127.0.0.1:9000/x\n",
    "http://127.0.0.1.:9000/x", "http://localhost./x", "http://127%2e0.0.1:9000/x", "http://lоcalhost/x",  # Cyrillic о
])
def test_only_a_url_in_canonical_form_is_compared_with_the_allow_list(url: str) -> None:
    """A parser normalises these into an allow-listed 127.0.0.1 or localhost; each is refused as written."""
    with pytest.raises(ssrf.DestinationRefused, match=r"ASCII|end in a dot|host is not valid"):
        ssrf.check_url(url, ("127.0.0.1", "localhost"))


def test_allow_listed_hosts_may_be_internal_and_plain_http_but_only_as_listed() -> None:
    assert ssrf.check_url("http://127.0.0.1:9000/x", ("127.0.0.1",)).allow_listed
    assert ssrf.check_url("http://LOCALHOST:9000/x", ("localhost",)).allow_listed
    assert ssrf.check_url("http://[::1]:9000/x", ("[::1]",)).allow_listed
    for other in ("http://127.0.0.2:9000/", "https://127.0.0.2:9000/", "https://2130706433:9000/",
                  "https://[::1]:9000/", "http://localhost:9000/"):
        with pytest.raises(ssrf.DestinationRefused):
            ssrf.check_url(other, ("127.0.0.1",))


def test_resolved_addresses_are_filtered_unless_the_host_is_allow_listed() -> None:
    kept, refused = ssrf.filter_addresses("hooks.example", ["93.184.216.34", "127.0.0.1", "::1", "10.1.2.3"], ())
    assert kept == ["93.184.216.34"]
    assert refused == ["127.0.0.1 is a loopback address", "::1 is a loopback address", "10.1.2.3 is a private address"]
    assert ssrf.filter_addresses("localhost", ["127.0.0.1"], ("localhost",)) == (["127.0.0.1"], [])
    assert ssrf.filter_addresses("localhost", ["127.0.0.1"], ("127.0.0.1",)) == (
        [], ["127.0.0.1 is a loopback address"])
