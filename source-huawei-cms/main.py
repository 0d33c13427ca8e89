from source_huawei_cms.run import run

if __name__ == "__main__":
    run()
