from source_ozonetel.run import run

if __name__ == "__main__":
    run()
