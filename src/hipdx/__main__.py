from hipdx.cli import main

main()
