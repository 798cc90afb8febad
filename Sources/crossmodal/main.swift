import CrossmodalCLI

CrossmodalCommand.main()
