"""Answer sentences: what a passage's sentences are, what a question asks for, and which facts a sentence holds."""

from __future__ import annotations

import pytest

from index.sentences import NOT_ANSWERS, SentenceCache, analyse, answer_type, sentence_spans, shape
from index.text import Analyzer, fold


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer("fr")


@pytest.mark.parametrize(("question", "kind"), [
    ("Qui est le PDG de Nvidia ?", "person"),
    ("Who is the CEO of Nvidia?", "person"),
    ("Quel expert de l'université est cité ?", "person"),
    ("Quelle agence de presse rapporte la commande ?", "organisation"),
    ("Which company makes the chips?", "organisation"),
    ("Combien de H20 sont en réserve ?", "quantity"),
    ("Et combien y en avait-il déjà en réserve ?", "quantity"),
    ("How many volunteers maintain the packages?", "quantity"),
    ("À quelle fréquence les sauvegardes sont-elles faites ?", "quantity"),
    ("Quelle tension donne la pile ?", "quantity"),
    ("Quand la règle entre-t-elle en vigueur ?", "date"),
    ("En quelle année le projet a-t-il été lancé ?", "date"),
    ("When was it released?", "date"),
    ("Où Jensen Huang a-t-il dîné avec Donald Trump ?", "place"),
    ("Where does aptitude keep its log?", "place"),
    ("Dans quel fichier les options sont-elles enregistrées ?", "place"),
    ("Pourquoi la H200 est-elle plus intéressante ?", "cause"),
    ("Why are laptops a poor choice?", "cause"),
    ("À quoi sert la notation LP: ?", "cause"),
    ("Que signifie l'abréviation FTBFS ?", "definition"),
    ("What does FTBFS stand for?", "definition"),
    ("Qu'est-ce que la Règle de Diffusion ?", "definition"),
    ("Quel argument avance-t-il contre les restrictions ?", "claim"),
    ("Que craignent-ils ?", "claim"),
    ("Quelle est la position de Huawei ?", "claim"),
    ("What does the spokesman say about supplies?", "claim"),
    # What is asked, in other words than "combien" or "quel": data/<lang>/kinds.txt.
    ("Comment installer le paquet ?", "command"),
    ("Combien de temps dure une session ?", "duration"),
    ("How long does the cache keep entries?", "duration"),
    ("Quel est le délai avant l'expiration du mot de passe ?", "duration"),
    ("Quelles sont les valeurs possibles de l'option Recommends ?", "values"),
    ("Which values can the log level take?", "values"),
    ("Quel est le raccourci pour quitter ?", "key"),
    ("Which key opens the menu?", "key"),
    ("How do I run the tests?", "command"),
    ("Quelle commande met à jour la liste des paquets ?", "command"),
    ("What's it called when HEAD points at a commit?", "name"),
    ("Le serveur central, il s'appelle comment ?", "name"),
    ("Comment afficher la version ?", "method"),  # a way, asked when no other kind is
    # "quand" further on is a conjunction, and "ou" without its accent means "or": not a date, not a place.
    ("Comment sélectionner du texte quand aptitude est ouvert ?", "method"),
    ("Comment l'installer sous Debian ou Ubuntu ?", "method"),
    ("Quelle valeur affiche la mesure quand rien n'est branché ?", "quantity"),
    # Asked last, in everyday words: the closing question word decides ("qui" earlier is a relative pronoun).
    ("la loi qui rend l'accès obligatoire c'est de quand ?", "date"),
    ("Ils ont dîné ensemble où ?", "place"),
    ("le jardin a été fondé par qui ?", "person"),
    ("the release came out when?", "date"),
    ("Il vient ou pas ?", None),
    # A thing named by a relative clause: which one it is, not where or who ("où", "qui" are relative pronouns).
    ("la plateforme où le public annote des textes ?", "organisation"),
    ("the website where people annotate texts?", "organisation"),
    ("le fichier où sont gardés les mots de passe ?", "place"),
    ("l'année où le projet a commencé ?", "date"),
    ("la commande qui liste les branches ?", "command"),
    ("the guy who runs the company?", "person"),
    ("le vin rouge ou blanc ?", None),  # "ou" without its accent is "or"
    ("Les élèves dont le compte est bloqué peuvent-ils se connecter ?", None),  # asked by its own verb
    ("The package that I installed does not start, how do I fix it?", "method"),  # asked in a clause of its own
])
def test_answer_type_of_questions(question, kind):
    """The kind of fact a question asks for comes from its question words, in French and in English."""
    assert answer_type(question) == kind


@pytest.mark.parametrize(("text", "expected"), [
    ("Le PDG a parlé. Il est parti.", [("Le PDG a parlé.", "prose"), ("Il est parti.", "prose")]),
    ("Que réserve l'avenir aux puces H20 ?", [("Que réserve l'avenir aux puces H20 ?", "question")]),
    ("Un accord surprise à Mar-a-Lago\nTout commence à table.",
     [("Un accord surprise à Mar-a-Lago", "heading"), ("Tout commence à table.", "prose")]),
    ("7.4 Gestion des groupes avec GOsa²", [("7.4 Gestion des groupes avec GOsa²", "heading")]),
    ("[6] In 2014, Debian changed its init system. It was a long debate.",
     [("[6] In 2014, Debian changed its init system.", "footnote"), ("It was a long debate.", "footnote")]),
    ("Figure 3.1. Le réseau de l'école", [("Figure 3.1.", "caption"), ("Le réseau de l'école", "caption")]),
    ("+-------+--------+", [("+-------+--------+", "border")]),
    ("Service : Cache web · Nom DNS : webcache", [("Service : Cache web · Nom DNS : webcache", "row")]),
    ("- Diversifiez vos fournisseurs de cloud", [("- Diversifiez vos fournisseurs de cloud", "item")]),
    ("print p.set_voltage(2.5) # règle PVS", [("print p.set_voltage(2.5) # règle PVS", "code")]),
    # A line cut mid-sentence (PDF) is read with the line that goes on with it.
    ("Cela veut dire que si les sources sont dans\n/usr/src/linux, alors ajoutez -I/usr/src/linux/include.",
     [("Cela veut dire que si les sources sont dans\n/usr/src/linux, alors ajoutez -I/usr/src/linux/include.",
       "prose")]),
    ("Si le paquet échoue (on dit FTBFS, « Fails To\nBuild From Source »), il attend.",
     [("Si le paquet échoue (on dit FTBFS, « Fails To\nBuild From Source »), il attend.", "prose")]),
    # Lines that end a sentence, or start one, are blocks of their own.
    ("Première ligne.\nseconde ligne en minuscules.",
     [("Première ligne.", "prose"), ("seconde ligne en minuscules.", "prose")]),
    ("Voici les étapes :\n- ouvrir le menu", [("Voici les étapes :", "prose"), ("- ouvrir le menu", "item")]),
    # A timeline's entries are items, not one wrapped sentence; a number in lower-case prose goes on.
    ("2011 - Création du portail\n2016 - Loi pour une République numérique.",
     [("2011 - Création du portail", "item"), ("2016 - Loi pour une République numérique.", "item")]),
    ("Il faut compter entre\n2 et 3 jours.", [("Il faut compter entre\n2 et 3 jours.", "prose")]),
    ("Le traitement prend\n10 - 15 minutes.", [("Le traitement prend\n10 - 15 minutes.", "prose")]),
    # A dash inside parentheses left open opens an aside, not a list item.
    ("Les versions suivent les décimales de π (la dernière\n– actuellement 3.14159 – est figée).",
     [("Les versions suivent les décimales de π (la dernière\n– actuellement 3.14159 – est figée).", "prose")]),
])
def test_sentence_spans_and_kinds(text, expected):
    """A passage's sentences keep their text (line breaks of wrapped lines included) and say what they are."""
    spans = sentence_spans(text)
    assert spans == expected
    assert all(sentence in text for sentence, _ in spans)


@pytest.mark.parametrize("kind", sorted(NOT_ANSWERS))
def test_kinds_that_never_answer(kind, analyzer):
    """Questions, headings, footnotes, captions and table borders may not answer."""
    assert not analyse("Texte", kind, analyzer).answers


@pytest.mark.parametrize(("kind", "question", "sentence", "expected"), [
    ("person", "Qui est le PDG de Nvidia ?", "Le PDG de Nvidia, Jensen Huang, a signé.", 1.0),
    ("person", "Qui est le PDG de Nvidia ?", "« Nous avons besoin de puces, et Nvidia est prêt. »", 0.0),
    ("person", "Quel média a révélé le dîner entre Huang et Trump ?", "Huang a dîné avec Trump.", 0.0),
    ("organisation", "Quel média a révélé le dîner ?", "Selon NPR, le dîner a eu lieu.", 1.0),
    # An organisation is an acronym or a single name rather than a person's names or a place.
    ("organisation", "Quel média a révélé le dîner ?", "Lors du dîner, Jensen Huang a convaincu.", 0.4),
    ("organisation", "Quel média a révélé le dîner ?", "Ce dîner au Mar-a-Lago a tout changé.", 0.0),
    ("organisation", "Quel média a révélé le dîner ?", "Le dîner a été révélé par Reuters.", 0.7),
    ("quantity", "Combien de H20 sont en réserve ?", "Les réserves sont estimées à 700 000 unités.", 1.0),
    ("quantity", "Combien de H20 sont en réserve ?", "La H20 est une puce.", 0.0),
    ("quantity", "Combien de mines sont cachées ?", "Sur le plateau sont cachées dix mines.", 1.0),
    ("quantity", "Combien de temps attend-elle ?", "Après une semaine, elle passe dans updates.", 0.7),
    ("date", "Quand la règle entre-t-elle en vigueur ?", "Elle est prévue pour le 15 mai.", 1.0),
    ("date", "En quel mois de 2025 la puce a-t-elle été autorisée ?", "En avril 2025, tout a changé.", 1.0),
    ("place", "Où a-t-il dîné ?", "Il a dîné au complexe Mar-a-Lago la semaine dernière.", 1.0),
    ("place", "Où a-t-il dîné ?", "Tout commence autour d'une table à Mar-a-Lago, chez lui.", 1.0),
    ("place", "Où a-t-il dîné ?", "Il a Paris en tête depuis longtemps.", 0.0),
    ("place", "Where is the log kept?", "Les installations sont journalisées dans /var/log/aptitude.", 1.0),
    ("place", "Où a-t-il dîné ?", "L'interaction entre eux a changé les choses.", 0.0),
    ("place", "Where are schemas listed?", "Le site schema.data.gouv.fr référence les schémas.", 1.0),  # a host
    ("place", "Where is the line ending set?", "Set core.autocrlf to true for that.", 0.0),  # a setting, no host
    ("cause", "Pourquoi la sortie a-t-elle une résistance ?", "Elle a 100 Ω pour limiter le courant.", 1.0),
    ("cause", "Why is it slow?", "It is slow because the disk is full.", 1.0),
    ("definition", "Que signifie FTBFS ?", "On le qualifie de FTBFS « Fails To Build From Source ».", 1.0),
    ("definition", "Que signifie FTBFS ?", "La liste des paquets FTBFS est en ligne.", 0.0),
    ("claim", "Quel argument avance-t-il ?", "Il alerte sur le risque de perdre le marché chinois.", 1.0),
    ("claim", "Que craignent-ils ?", "Ils s'inquiètent de voir la Chine prendre l'avantage.", 1.0),
    ("claim", "Que dit le porte-parole ?", "« Nous gérons notre chaîne d'approvisionnement. »", 1.0),
    ("claim", "Quel argument avance-t-il ?", "Il a conclu un accord avec l'administration.", 0.0),
    # A term and what it names (a glossary's or a manual's entry), or a sentence that names; not a table row.
    ("name", "What's it called when HEAD points at a commit?", "detached HEAD : HEAD names a commit.", 1.0),
    ("name", "Comment s'appelle le serveur ?", "Le serveur principal est appelé « tjener ».", 0.7),
    ("name", "Comment s'appelle le serveur ?", "Le serveur principal répond aux clients.", 0.0),
])
def test_shape_of_the_asked_fact(kind, question, sentence, expected, analyzer):
    """A sentence holds the kind of fact asked for only with something the question did not already say."""
    from index.sentences import acronyms

    known = {fold(w) for w in question.replace("'", " ").replace("?", " ").split()}
    found = shape(analyse(sentence, "prose", analyzer), kind, known, acronyms(question))
    assert found == expected


def test_sentence_cache_embeds_each_sentence_once(analyzer, fake_embedder):
    """Sentence vectors are embedded on first use, in one batch, and kept for the next question."""
    cache = SentenceCache(analyzer)
    wanted = [(7, 0, "Le PDG a parlé."), (7, 1, "Il est parti."), (9, 0, "Autre passage.")]
    first = cache.vectors(wanted, fake_embedder)
    again = cache.vectors(wanted[:2], fake_embedder)
    assert fake_embedder.calls == 1 and fake_embedder.embedded == 3
    assert all((a == b).all() for a, b in zip(first[:2], again, strict=True))


@pytest.mark.parametrize(("text", "expected"), [
    # Left open before a command and going on in lower case after it: one sentence, the command its object.
    ("You can replace the last commit using\n$ git commit --amend\nwhich lets you edit its message first.",
     [("You can replace the last commit using\n$ git commit --amend\nwhich lets you edit its message first.",
       "prose")]),
    # A command that is the subject of the next line's verb.
    ("Compare them.\n$ git diff a..b\nwill tell you whether they differ.",
     [("Compare them.", "prose"), ("$ git diff a..b\nwill tell you whether they differ.", "prose")]),
    # A command after a colon, and its output, stay lines of their own.
    ("Compare the names:\n$ git rev-list origin\nerror: no such ref here",
     [("Compare the names:", "prose"), ("$ git rev-list origin", "code"), ("error: no such ref here", None)]),
    ("Name it with\n$ git describe e05db0f\nv1.5.0-rc0-260-ge05db0f", [("Name it with", None),
     ("$ git describe e05db0f", "code"), ("v1.5.0-rc0-260-ge05db0f", None)]),
    ("print p.get_voltage(1) # tension en A1\nfonction C : byte get_voltage(byte ch, float* v)",
     [("print p.get_voltage(1) # tension en A1", "code"), ("fonction C : byte get_voltage(byte ch, float* v)", None)]),
])
def test_a_sentence_around_a_command_is_one_sentence(text, expected):
    """A command line shown in the middle of a sentence is read with the sentence around it."""
    spans = sentence_spans(text)
    assert [s for s, _ in spans] == [s for s, _ in expected]
    assert [k for (_, k), (_, want) in zip(spans, expected, strict=True) if want] == [k for _, k in expected if k]


def test_a_command_inside_a_sentence_states_no_duration(analyzer):
    """The arguments of a command quoted in a sentence ("1 week ago") are not the sentence's facts."""
    text = 'A reflog is kept for HEAD, so\n$ git show HEAD@{"1 week ago"}\nwill show where HEAD was.'
    sentence = analyse(text, "prose", analyzer)
    assert dict(sentence.data).get("command") == 1.0
    assert "duration" not in dict(sentence.data)
    assert shape(sentence, "duration", set()) == 0.0


def _clear_data_caches() -> None:
    import index.sentences as sentences

    for value in vars(sentences).values():
        if callable(getattr(value, "cache_clear", None)) and getattr(value, "__module__", "") == sentences.__name__:
            value.cache_clear()


@pytest.mark.parametrize("name", ["kinds.txt", "sentences.txt"])
def test_every_language_data_file_parses(name):
    """Each line of a language's data file is "group.role: phrase | ...", with a role the answer step reads."""
    import re

    from index.sentences import ANSWER_TYPES, DATA, SENTENCE_ROLES

    roles = set(SENTENCE_ROLES) | {f"accent.{kind}" for kind in ANSWER_TYPES}
    seen = set()
    for folder in (f for f in DATA.iterdir() if f.is_dir()):
        for n, line in enumerate(folder.joinpath(name).read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            where = f"{folder.name}/{name}:{n}"
            assert re.fullmatch(r"[a-z_]+\.[a-z_]+: \S.*", line), where
            key, _, phrases = line.partition(":")
            assert all(p.strip() for p in phrases.split("|")), where
            if name == "sentences.txt":
                assert key in roles, where
            seen.add(key)
    if name == "sentences.txt":
        # Every role the code reads is given by some language (a question kind's "_first" and "_noun" are optional).
        assert all(role.endswith(("_first", "_noun")) for role in SENTENCE_ROLES - seen), SENTENCE_ROLES - seen


def test_a_new_language_is_only_data_files(tmp_path, monkeypatch, analyzer):
    """A language folder of data files alone makes its question words, dates and openings known."""
    import shutil

    import index.sentences as sentences

    for folder in sentences.DATA.iterdir():
        if folder.is_dir():
            shutil.copytree(str(folder), tmp_path / folder.name)
    made_up = tmp_path / "xx"
    made_up.mkdir()
    (made_up / "sentences.txt").write_text(
        "# A made-up language.\nask.person_first: kwo\nask.and: og\ncontinues.contrast: zork\n"
        "date.month: blorbuary\n", encoding="utf-8")
    (made_up / "kinds.txt").write_text("duration.asks: hu lang\n", encoding="utf-8")
    assert sentences.answer_type("Kwo wrote the bot?") is None
    monkeypatch.setattr(sentences, "DATA", tmp_path)
    _clear_data_caches()
    try:
        assert sentences.answer_type("Kwo wrote the bot?") == "person"
        assert sentences.answer_types("When was it built og kwo wrote it?") == ["date", "person"]
        assert sentences.data_kind("Hu lang does the build take?") == "duration"
        assert sentences.qualifies("Zork, it fails on Windows.")
        assert "blorbuary" in analyse("It shipped on 3 Blorbuary.", "prose", analyzer).dates
        assert sentences.answer_type("Qui a écrit le bot ?") == "person"  # the other languages still read
    finally:
        monkeypatch.undo()
        _clear_data_caches()
    assert sentences.answer_type("Kwo wrote the bot?") is None


def test_a_defined_term_knows_the_rest_of_its_entry_on_its_line_only():
    """"--bare : …" holds its entry's later words (working tree), not the next line's (hard links)."""
    text = "--bare : Create the new one bare. There is no working tree.\nHard links are used by default."
    first = SentenceCache(Analyzer("en")).get(0, text)[0]
    analyzer = Analyzer("en")
    assert set(analyzer.terms("working tree")) <= first.entry
    assert not set(analyzer.terms("hard links")) & first.entry
