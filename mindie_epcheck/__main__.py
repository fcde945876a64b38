from mindie_epcheck.cli.main import main

if __name__ == "__main__":
    main()
