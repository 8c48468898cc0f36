from turns.cli import main

main()
