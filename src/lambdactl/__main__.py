from lambdactl import main

main()
