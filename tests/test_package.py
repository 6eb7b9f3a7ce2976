def test_package_imports() -> None:
    import ramsts

    assert ramsts.__version__
