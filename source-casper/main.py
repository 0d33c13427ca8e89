from source_casper.run import run

if __name__ == "__main__":
    run()
