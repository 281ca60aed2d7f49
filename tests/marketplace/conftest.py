from collections import Counter

import pytest

FUZZ_TALLY = pytest.StashKey[Counter]()


@pytest.fixture
def fuzz_tally(request) -> Counter:
    """Counts across the API fuzz tests: cases, server errors, answers by status."""
    return request.config.stash.setdefault(FUZZ_TALLY, Counter())


def pytest_terminal_summary(terminalreporter, config):
    tally = config.stash.get(FUZZ_TALLY, None)
    if not tally:
        return
    statuses = ", ".join(
        f"{key[len('status ') :]}: {count}"
        for key, count in sorted(tally.items())
        if key.startswith("status ")
    )
    server_errors = sum(count for key, count in tally.items() if key.startswith("status 5"))
    terminalreporter.write_line(
        f"API fuzz: {tally['cases']} cases over {tally['operations']} operation × role pairs; "
        f"{server_errors} server errors; {tally['failures']} pairs failed a check; "
        f"answers by status: {statuses}"
    )
