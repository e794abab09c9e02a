"""A factory classmethod that walks a list of classes another module of the tree binds (``for cls in
kinds.ALL: if cls.name == name: return cls(...)``) and builds the one that matches: what it returns is an instance of
the classes' nearest common base, so a call of the base's model-reaching method on it is a wrapper-call (also when
another class of the tree has a method of that name)."""

from __future__ import annotations

from pathlib import Path

from slmc.ir import SiteKind

from .trees import analysed_graph, site_at, write_tree


def test_instance_built_from_a_module_class_list_is_their_common_base(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "crew/base.py": """
                import litellm


                class Worker:
                    name = None
                    system = "You are a helpful assistant."

                    def work(self, task):
                        msgs = [{"role": "system", "content": self.system}, {"role": "user", "content": task}]
                        return litellm.completion(model="gpt-4o-mini", messages=msgs)

                    @classmethod
                    def make(cls, name):
                        import crew.kinds as kinds

                        for k in kinds.ALL:
                            if k.name == name:
                                return k()
                        raise ValueError(name)
            """,
            "crew/kinds.py": """
                from crew.base import Worker


                class Poet(Worker):
                    name = "poet"
                    system = "You write short poems."


                class Critic(Worker):
                    name = "critic"
                    system = "You grade poems from 1 to 5."


                ALL = [Poet, Critic]
            """,
            "crew/main.py": """
                from crew.base import Worker


                class Clock:
                    def work(self, task):
                        return len(task)


                def go(kind, task):
                    w = Worker.make(kind)
                    return w.work(task)
            """,
        },
    )
    graph = analysed_graph(tmp_path)
    assert site_at(graph, "crew/main.py", 12).site == SiteKind.WRAPPER_CALL
