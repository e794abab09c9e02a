"""An agent whose LLM calls the static analysis cannot see: the plugin module is named in a config file read at run
time and loaded by importlib, and the request method is looked up by a name built at run time."""

import importlib
import json
import os
import sys

import openai

client = openai.OpenAI(base_url=os.environ["LLM_URL"], api_key="test", max_retries=0)


def main():
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "agent.json")) as fh:
        config = json.load(fh)
    plugin = importlib.import_module(config["plugins"] + "." + config["plugin"])
    print(plugin.triage(client, sys.argv[1]))
    print(plugin.classify(client, "the parcel is late"))
    print(plugin.summarise(client, "long text"))


if __name__ == "__main__":
    main()
