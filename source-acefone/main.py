from source_acefone.run import run

if __name__ == "__main__":
    run()
