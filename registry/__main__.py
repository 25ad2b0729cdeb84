from registry.cli.main import main

main()
