import pytest

from fabricbench.benchmarks.sizes import format_size, parse_size, sweep


@pytest.mark.parametrize("text,value", [("8", 8), ("64K", 65536), ("1M", 1 << 20), ("8G", 8 << 30),
                                        ("1m", 1 << 20), (" 2K ", 2048), ("4KiB", 4096), (0, 0), (17, 17)])
def test_parse_binary_suffixes(text, value):
    assert parse_size(text) == value


@pytest.mark.parametrize("bad", ["12Q", "", "K", "-1", "1.5M", "1MM", True, -3])
def test_parse_rejects(bad):
    with pytest.raises(ValueError):
        parse_size(bad)


def test_sweep_factor_and_linear():
    assert sweep(8, 64, 2) == [8, 16, 32, 64]
    assert sweep(8, 100, 2) == [8, 16, 32, 64]
    assert sweep(0, 10, 2) == [0]
    assert sweep(1024, 4096, 1, 1024) == [1024, 2048, 3072, 4096]
    assert sweep(8, 8, 2) == [8]
    with pytest.raises(ValueError):
        sweep(64, 8, 2)


def test_format_size():
    assert [format_size(x) for x in (8, 1024, 3 << 20, 1 << 30, 1000)] == ["8", "1K", "3M", "1G", "1000"]
