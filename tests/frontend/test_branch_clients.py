"""One local name bound to SDK clients of different kinds in different branches (``client = OpenAI()`` when a flag
says so, ``client = Anthropic()`` or ``AnthropicBedrock()`` otherwise), then used with the request path of each:
every call is a request of the client whose API it names."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, site_at, write_tree

_TREE = {
    "bots/__init__.py": "",
    "bots/talker.py": """
        from anthropic import Anthropic, AnthropicBedrock
        from openai import OpenAI


        class Talker:
            def __init__(self):
                self.turns = []

            def say(self, text: str, hosted: bool = False, on_aws: bool = False) -> str:
                self.turns.append({"role": "user", "content": text})
                if hosted:
                    client = OpenAI()
                elif on_aws:
                    client = AnthropicBedrock(aws_region="us-east-1")
                else:
                    client = Anthropic()
                if hosted:
                    out = client.chat.completions.create(model="gpt-4o", messages=self.turns)
                    return out.choices[0].message.content
                out = client.messages.create(model="claude-3", max_tokens=300, messages=self.turns)
                return out.content[0].text
    """,
    "bots/tagger.py": """
        from bots.talker import Talker

        ASK = "Is this ticket about billing? Answer yes or no.\\n\\n{ticket}"


        def is_billing(ticket: str) -> bool:
            return Talker().say(ASK.format(ticket=ticket)).strip().lower().startswith("yes")
    """,
}


def test_each_call_is_a_request_of_the_client_whose_api_it_names(tmp_path: Path) -> None:
    write_tree(tmp_path, _TREE)
    graph = analysed_graph(tmp_path)
    openai_call = site_at(graph, "bots/talker.py", 19)
    assert openai_call.site == SiteKind.REQUEST
    assert (openai_call.client, openai_call.api) == ("openai", "chat.completions.create")
    anthropic_call = site_at(graph, "bots/talker.py", 21)
    assert anthropic_call.site == SiteKind.REQUEST
    assert (anthropic_call.client, anthropic_call.api) == ("anthropic", "messages.create")


def test_a_path_no_client_of_the_name_has_stays_no_request(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "notes.py": """
                from anthropic import Anthropic
                from openai import OpenAI


                def archive(text: str, hosted: bool):
                    client = OpenAI() if hosted else Anthropic()
                    client.files.create(file=text.encode(), purpose="assistants")
                    client.moderations.create(input=text)
            """,
        },
    )
    graph = analysed_graph(tmp_path)
    assert not [s for s in graph.sites() if s.loc.path == "notes.py"]
