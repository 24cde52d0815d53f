"""Assembled answers: every [n] marker points at a citation that holds the quoted sentence."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from index import Citation
from index.answer import MAX_ANSWER_CHARS, MAX_ANSWER_SENTENCES, assemble
from index.search import SearchResult
from index.text import fold

QUESTIONS = [
    "Où Jensen Huang a-t-il dîné avec Donald Trump ?",
    "Qui est le PDG de Nvidia ?",
    "Combien de puces H20 TSMC doit-il fabriquer ?",
    "Pourquoi les terres rares comptent-elles dans l'accord ?",
    "Quelle est la position de Huawei ?",
    "Who is the CEO of Nvidia?",
]
MARKER = re.compile(r"\[(\d+)\]")


def covering(result: SearchResult, yes: bool) -> SearchResult:
    """The same passages, with the search's verdict set to covered (or not)."""
    return replace(result, covered=yes)


@pytest.mark.parametrize("question", QUESTIONS)
def test_markers_point_at_citations_holding_the_sentence(fake_engine, question):
    """Each [n] in the answer is a citation's number, and that citation's passage holds the sentence."""
    answer = fake_engine.ask(question)
    by_number = {c.n: c for c in answer.citations}
    markers = [int(n) for n in MARKER.findall(answer.text)]
    assert len(markers) == len(answer.sentences)
    for (sentence, n), marker in zip(answer.sentences, markers, strict=True):
        assert marker == n and n in by_number
        assert f"{sentence} [{n}]" in answer.text
        assert sentence in by_number[n].passage.text


@pytest.mark.parametrize("question", QUESTIONS)
def test_citations_are_numbered_and_highlighted(fake_engine, question):
    """Citations are numbered 1..k; each highlight is a sentence of its own passage; "more" follows on."""
    answer = fake_engine.ask(question)
    k = fake_engine.top_k
    assert [c.n for c in answer.citations] == list(range(1, k + 1))
    for c in answer.citations:
        assert c.highlight and c.highlight in c.passage.text
    assert [c.n for c in answer.more] == list(range(k + 1, k + 1 + len(answer.more)))
    cited = {c.passage for c in answer.citations}
    assert not cited & {c.passage for c in answer.more}


def test_covered_question_gets_a_short_answer(fake_engine):
    """A covered question is answered in at most a few sentences, the first holding a word of the question."""
    question = "Combien de puces H20 TSMC doit-il fabriquer ?"
    result = covering(fake_engine.searcher.search(question, limit=8), True)
    answer = assemble(result, fake_engine.index.lexical, k=3)
    assert answer.answered
    assert 1 <= len(answer.sentences) <= MAX_ANSWER_SENTENCES
    first = fold(answer.sentences[0][0])
    assert any(word in first for word in ("tsmc", "h20", "puces"))


def test_uncovered_question_has_no_answer_but_shows_passages(fake_engine):
    """When the documents don't cover a question there is no answer, but the closest passages are cited."""
    result = covering(fake_engine.searcher.search("Comment faire du pain au levain ?", limit=8), False)
    answer = assemble(result, fake_engine.index.lexical, k=3)
    assert not answer.answered
    assert answer.text == "" and answer.sentences == []
    assert len(answer.citations) == 3
    assert all(c.highlight in c.passage.text for c in answer.citations)


def test_no_passages_no_answer(fake_engine):
    """With no passages found, there is neither answer nor citation."""
    empty = SearchResult("Quoi ?", [], [], 1.0, False, False)
    answer = assemble(empty, fake_engine.index.lexical, k=3)
    assert (answer.answered, answer.text, answer.citations, answer.more) == (False, "", [], [])


@pytest.mark.parametrize("k", [1, 2, 5])
def test_k_citations(fake_engine, k):
    """ask(k=...) cites that many passages, and their markers stay within them."""
    answer = fake_engine.ask("Qui est le PDG de Nvidia ?", k=k)
    assert len(answer.citations) == k
    assert {int(n) for n in MARKER.findall(answer.text)} <= set(range(1, k + 1))


def test_citation_json(fake_engine):
    """A citation's JSON form names the document, title and location people can check."""
    c = fake_engine.ask("Qui est le PDG de Nvidia ?").citations[0]
    data = c.to_dict()
    assert {"n", "document", "title", "location", "text", "score", "highlight"} <= set(data)
    assert (data["document"], data["title"], data["location"], data["text"]) == (
        c.passage.document, c.passage.title, c.passage.location, c.passage.text)
    assert data["score"] == round(c.score, 4)


def test_citation_round_trips_through_json(fake_engine):
    """What is stored for "More passages" comes back as the same citations (score to four places)."""
    import json

    for c in fake_engine.ask("Qui est le PDG de Nvidia ?").more:
        back = Citation.from_dict(json.loads(json.dumps(c.to_dict())))
        assert (back.n, back.passage, back.highlight) == (c.n, c.passage, c.highlight)
        assert back.score == round(c.score, 4) and back.passage.location == c.passage.location


def test_an_answer_knows_only_two_outcomes():
    """An answer is "answered" or "not_covered"; anything else (a bool, say) is refused."""
    from index import Answer

    with pytest.raises(ValueError):
        Answer("Quoi ?", True, [], [])


def test_footnote_markers_in_documents_are_not_taken_for_citations(tmp_path, fake_embedder):
    """A document's own footnote calls ("[7]") don't show up in the answer as markers of missing citations."""
    from index import BuildOptions, Engine, build_index

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "wiki.txt").write_text(
        "Nvidia a vendu 300 000 puces H20 à la Chine en 2025[7]. Le prix unitaire était élevé[12].\n\n"
        "Huawei développe ses propres puces Ascend.\n\nTSMC fabrique les puces à Taïwan.\n", encoding="utf-8")
    build_index(docs, tmp_path / "idx", fake_embedder, BuildOptions())
    engine = Engine(tmp_path / "idx", fake_embedder)
    question = "Combien de puces H20 Nvidia a-t-il vendu à la Chine ?"
    answer = assemble(covering(engine.searcher.search(question, limit=8), True), engine.index.lexical, k=3)
    assert "Nvidia a vendu 300 000 puces H20 à la Chine en 2025. [1]" in answer.text
    assert {int(n) for n in MARKER.findall(answer.text)} <= {c.n for c in answer.citations}
    assert "[7]" in answer.citations[0].passage.text  # the excerpt itself is quoted as written


# Sentence choice, table-driven: a question, the cited passages (best first), what the answer must hold.
_FILLER = [
    "Le marché des semi-conducteurs reste tendu cette année.",
    "Les fabricants publient leurs résultats chaque trimestre.",
    "La documentation explique comment installer les paquets.",
    "Les utilisateurs peuvent configurer le réseau de l'école.",
    "Les exportations vers la Chine font débat aux États-Unis.",
]
CHOICES = [
    ("Who is the CEO of Nvidia?",
     ["« Nous avons besoin d'infrastructures solides pour dominer l'IA, et Nvidia est prêt à jouer le jeu. »",
      "Le PDG de Nvidia, Jensen Huang, a conclu un accord avec l'administration américaine."],
     "Jensen Huang"),
    ("Combien de H20 sont en réserve ?",
     ["Que réserve l'avenir aux puces H20 ?\nNvidia a commandé des accélérateurs H20 à TSMC. Ils viendront "
      "s'ajouter aux réserves estimées à environ 700 000 unités prêtes à être exportées."],
     "700 000"),
    ("Où Jensen Huang a-t-il dîné avec Donald Trump ?",
     ["L'interaction entre Jensen Huang et Donald Trump semble avoir modifié le cours des choses.",
      "Selon la radio, Huang a fait la proposition lors d'un dîner au complexe Mar-a-Lago de Trump."],
     "Mar-a-Lago"),
    ("Quand la règle doit-elle entrer en vigueur ?",
     ["Les entreprises devront se conformer à la règle dès son entrée en vigueur.",
      "La règle doit entrer en vigueur le 15 mai, selon le ministère."],
     "15 mai"),
    ("Pourquoi la sortie SQR1 a-t-elle une résistance en série ?",
     ["La sortie SQR1 a une résistance série de 100 Ω. Elle est là pour limiter le courant de sortie."],
     "limiter le courant"),
    ("Que signifie l'abréviation FTBFS ?",
     ["La liste des paquets FTBFS est publiée chaque jour.",
      "S'il échoue (on le qualifie de FTBFS « Fails To\nBuild From Source »), il attend dans proposed."],
     "Fails To Build From Source"),
    ("Quels conseils l'article donne-t-il aux startups ?",
     ["Si vous dirigez une startup, voici quelques conseils concrets :\n- Diversifiez vos fournisseurs de cloud.\n"
      "- Surveillez les annonces."],
     "Diversifiez vos fournisseurs"),
    ("Si je change mon mot de passe à l'écran de connexion, est-il changé partout ?",
     ["Le changement de mot de passe fonctionne aussi à l'écran de connexion. Mais seul le mot de passe "
      "Kerberos sera mis à jour."],
     "seul le mot de passe Kerberos"),
    # A second kind of fact asked after "et": the sentence that holds it joins the answer.
    ("Qui a fondé le projet de jardin partagé, et en quelle année ?",
     ["Le nom du jardin vient de Marthe et Paul Lenoir, qui a fondé le projet de jardin partagé.",
      "Le projet de jardin partagé a été créé par Paul Lenoir en 1987, avec l'aide de la commune."],
     "1987"),
    # ... even when it shares few of the question's words: holding both kinds asked, it counts more.
    ("Qui a fondé le club des randonneurs et marcheurs du canton de Vire, et en quelle année ?",
     ["Le nom du club des randonneurs et marcheurs du canton de Vire vient de Marthe et Paul Lenoir, qui a fondé "
      "le club.",
      "Le club des randonneurs et marcheurs a été créé par Paul Lenoir en 1987."],
     "1987"),
    # The next sentence of the first's passage holds the asked duration, though it shares fewer words.
    ("Combien de temps une demande de badge reste-t-elle en attente de validation ?",
     ["La demande de badge part en attente de validation, où le service vérifie qu'elle est complète. "
      "Après une semaine sans objection, elle est acceptée.",
      "Une demande de badge incomplète n'est pas une demande de validation mais un brouillon."],
     "une semaine"),
    # The next sentence holds another fact of the asked kind: which one is meant, the words cannot tell.
    ("En quelle année le club de Vire et celui de Caen ont-ils uni leurs forces ?",
     ["Le club de Vire a été fondé en 1921, à peu près au même moment que le club de Caen. "
      "En 1952, les deux associations ont fusionné.",
      "Le club de Vire joue au stade municipal."],
     "1952"),
    # The sentence before the first introduces it with a colon: it says what the first (a link) is.
    ("Où télécharger l'image de la carte SD ?",
     ["Pour les cartes ARM, une archive complète se trouve ici :\n"
      "https://exemple.org/arm.zip (elle s'installe avec l'outil habituel de la carte SD)"],
     "Pour les cartes ARM, une archive complète se trouve ici"),
    # The next sentence points back at the first ("pour cela"): it is the answer's end.
    ("Comment commencer un nouveau paragraphe dans le texte source ?",
     ["Un simple retour à la ligne ne crée pas un nouveau paragraphe dans le texte source. "
      "On doit insérer une ligne vide pour cela.",
      "Les paragraphes du texte source peuvent aussi porter un titre, sur une ligne commençant par un dièse."],
     "ligne vide"),
]


def _assembled(question: str, passages: list[str], history: tuple[str, ...] = (), covered: bool = True):
    """The answer assembled from `passages` cited in this order, as the search would hand them over."""
    from index.lexical import LexicalIndex
    from index.passages import Passage
    from index.search import Hit
    from index.text import Analyzer

    analyzer = Analyzer("fr")
    lexical = LexicalIndex.build(passages + _FILLER, analyzer)
    hits = [Hit(Passage(document=f"doc{i}.txt", title=f"Document {i}", text=text), i, 1.0 - 0.1 * i, 0.5, 1.0)
            for i, text in enumerate(passages)]
    return assemble(SearchResult(question, hits, analyzer.terms(question), 1.0, False, covered), lexical,
                    k=3, history=history)


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize(("question", "passages", "fact"), CHOICES, ids=[c[0] for c in CHOICES])
def test_the_answer_holds_the_fact(question, passages, fact):
    """The answer is the sentence that holds the asked fact, not the one that shares the question's words."""
    answer = _assembled(question, passages)
    assert answer.answered
    assert fact in _flat(answer.text)


@pytest.mark.parametrize(("question", "passages", "fact"), CHOICES, ids=[c[0] for c in CHOICES])
def test_every_answer_word_is_a_quote(question, passages, fact):
    """Each answer sentence stands as written in the passage it cites; two at most, within the length limit."""
    answer = _assembled(question, passages)
    by_number = {c.n: c for c in answer.citations}
    assert 1 <= len(answer.sentences) <= MAX_ANSWER_SENTENCES
    assert sum(len(s) for s, _ in answer.sentences) <= MAX_ANSWER_CHARS
    for sentence, n in answer.sentences:
        assert sentence in by_number[n].passage.text
        assert f"{_flat(sentence)} [{n}]" in _flat(answer.text)


@pytest.mark.parametrize(("question", "passages", "fact"), CHOICES, ids=[c[0] for c in CHOICES])
def test_highlight_is_the_answer_sentence_of_its_citation(question, passages, fact):
    """A citation quoted by the answer highlights the quoted sentence."""
    answer = _assembled(question, passages)
    sentence, n = answer.sentences[0]
    assert answer.citations[n - 1].highlight == sentence


NEVER = [
    ("question", "Quelle est la capitale de la Norvège ?"),
    ("heading", "La capitale de la Norvège"),
    ("footnote", "[1] La capitale de la Norvège est Oslo, selon la note."),
    ("caption", "Figure 2. La capitale de la Norvège et Oslo"),
    ("border", "+--------+---------+"),
]


@pytest.mark.parametrize(("kind", "line"), NEVER, ids=[k for k, _ in NEVER])
def test_never_a_question_heading_footnote_caption_or_border(kind, line):
    """Lines that ask, title, annotate or draw never answer, however many of the question's words they hold."""
    prose = "La Norvège compte cinq millions d'habitants."
    answer = _assembled("Quelle est la capitale de la Norvège ?", [f"{line}\n{prose}"])
    assert [s for s, _ in answer.sentences] == [prose]


def test_a_table_row_answers_when_it_holds_the_fact():
    """A table row ("Header : value · Header : value") may answer."""
    row = "Description du service : Cache web · Nom usuel : Proxy (Squid) · Nom DNS du service : webcache"
    answer = _assembled("Quel est le nom DNS du service de cache web ?", [f"Services du serveur\n{row}"])
    assert answer.sentences == [(row, 1)]


@pytest.mark.parametrize(("history", "expected"), [
    ((), "Mar-a-Lago"),
    (("Qui est le PDG de Nvidia ?",), "Mar-a-Lago"),
])
def test_follow_up_asks_its_own_kind_of_fact(history, expected):
    """A follow-up's topic comes from the conversation, the kind of fact from the follow-up: a place, not a name."""
    passages = ["Jensen Huang est le PDG de Nvidia depuis la fondation de l'entreprise.",
                "Le PDG de Nvidia a dîné au complexe Mar-a-Lago la semaine dernière."]
    answer = _assembled("Où a-t-il dîné ?", passages, history=history)
    assert expected in answer.sentences[0][0]


def test_follow_up_topic_comes_from_the_earlier_question():
    """With the earlier question, the follow-up's answer is about what it asked of: Nvidia's CEO, not Intel's."""
    passages = ["Le PDG d'Intel a dîné au restaurant Le Cinq à Paris avec ses équipes.",
                "Le PDG de Nvidia a dîné au complexe Mar-a-Lago avec Donald Trump."]
    answer = _assembled("Et où a-t-il dîné ?", passages, history=("Qui est le PDG de Nvidia ?",))
    assert "Mar-a-Lago" in answer.sentences[0][0]


def test_sentence_vectors_are_embedded_once_per_sentence(fake_embedder):
    """With sentence meaning on, each candidate sentence is embedded once; a second question reuses the vectors."""
    from index.answer import AnswerConfig
    from index.lexical import LexicalIndex
    from index.passages import Passage
    from index.search import Hit
    from index.sentences import SentenceCache
    from index.text import Analyzer

    analyzer = Analyzer("fr")
    passages = [c[1][0] for c in CHOICES[:3]]
    lexical = LexicalIndex.build(passages + _FILLER, analyzer)
    hits = [Hit(Passage(document="d.txt", title="D", text=t), i, 1.0, 0.5, 1.0) for i, t in enumerate(passages)]
    cache = SentenceCache(analyzer)
    config = AnswerConfig(dense_weight=0.5, dense_candidates=100)
    for question in ("Combien de H20 sont en réserve ?", "Combien de puces sont en réserve ?"):
        result = SearchResult(question, hits, analyzer.terms(question), 1.0, False, True)
        answer = assemble(result, lexical, k=3, sentences=cache, embedder=fake_embedder, config=config)
        assert answer.answered
    sentences = sum(len(cache.get(i, t)) for i, t in enumerate(passages))
    assert fake_embedder.embedded == sentences - 1  # the question sentence never answers


class _Meaning:
    """A multilingual embedder stand-in: a text's vector says which of a few meanings it holds."""

    name = "meaning-stub"
    MEANINGS = {"promis": 0, "promise": 0, "sénateurs": 1, "senators": 1, "dîner": 2, "dinner": 2}

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def embed(self, texts, query=False, batch_size=32):
        import numpy as np

        self.embedded += texts
        out = np.full((len(texts), 4), 0.1, dtype=np.float32)
        for row, text in zip(out, texts, strict=True):
            for word, meaning in self.MEANINGS.items():
                if word in text.lower():
                    row[meaning] = 1.0
        return out / np.linalg.norm(out, axis=1, keepdims=True)


KINDS = [
    # A duration, not the history of the setting.
    ("Combien de temps dure une session ?",
     ["La durée de la session est réglable depuis la version 2.3 du serveur de session.",
      "Sans activité, une session se ferme au bout de trente minutes."], "trente minutes"),
    # The possible values, not the default.
    ("Quelles sont les valeurs possibles de l'option LogLevel ?",
     ["L'option LogLevel règle le niveau de détail du journal ; sa valeur par défaut est info.",
      "Le niveau de LogLevel se choisit parmi debug, info, warning et error."], "debug, info, warning et error"),
    # The key to press, not the menu's sentence.
    ("Quel est le raccourci pour quitter l'éditeur ?",
     ["Pour quitter l'éditeur, ouvrez le menu Fichier et choisissez Quitter l'éditeur.",
      "Ctrl+Q quitte l'éditeur sans confirmation."], "Ctrl+Q"),
    # The command line, not the sentence about the package.
    ("Comment installer le paquet expeyes ?",
     ["Le paquet expeyes est disponible dans Debian et dans Ubuntu depuis 2012.",
      "Depuis un terminal :\n$ sudo apt install expeyes"], "sudo apt install expeyes"),
    # The term a manual defines, when what a thing is called is asked.
    ("Comment s'appelle l'état où la tête pointe sur un commit et non sur une branche ?",
     ["Dans cet état, la tête pointe sur la branche, et la branche pointe sur un commit : l'état normal.",
      "tête détachée : la tête pointe sur un commit."], "tête détachée"),
    # Asked "which one" of several things, the term a manual defines names it.
    ("Pour les fins de ligne mélangées dans un fichier, il existe un réglage, lequel ?",
     ["Un fichier aux fins de ligne mélangées est signalé par le réglage de vérification du dépôt.",
      "core.autocrlf : convertit les fins de ligne à chaque extraction."], "core.autocrlf"),
    # Advice asked ("je choisis quel…"): the sentence that recommends, not the one that tells the problem back.
    ("Mes accents sont cassés dans le fichier exporté, je choisis quel encodage ?",
     ["Quand l'encodage du fichier exporté est mal choisi, les accents sont cassés à l'ouverture.",
      "Il est conseillé d'utiliser l'encodage UTF-8 pour le fichier."], "UTF-8"),
    # A table row holding the key.
    ("Quelle touche ferme la fenêtre de liste ?",
     ["La fenêtre de liste se ferme aussi quand on en ouvre une autre.",
      "Touches du mode liste\nq · Fermer la fenêtre\n? · Aide"], "q · Fermer"),
]


@pytest.mark.parametrize(("question", "passages", "fact"), KINDS, ids=[c[0] for c in KINDS])
def test_the_answer_is_of_the_kind_asked(question, passages, fact):
    """A duration, the possible values, a key, a command line or a table row: the sentence holding what is asked."""
    answer = _assembled(question, passages)
    assert fact in _flat(answer.text)


def _asked_in_other_words(question: str, passages: list[str], meanings: dict[str, int]):
    """A French same-language search result whose question the corpus half knows, with the fake meaning model."""
    from index.answerability import Evidence
    from index.lexical import LexicalIndex
    from index.passages import Passage
    from index.search import Hit
    from index.text import Analyzer

    analyzer = Analyzer("fr")
    lexical = LexicalIndex.build(passages + _FILLER, analyzer)
    hits = [Hit(Passage(document=f"doc{i}.txt", title="D", text=t), i, 1.0 - 0.1 * i, 0.5, 1.0)
            for i, t in enumerate(passages)]
    meaning = _Meaning()
    meaning.MEANINGS = {**_Meaning.MEANINGS, **meanings}
    result = SearchResult(question, hits, analyzer.terms(question), 1.0, False, True,
                          multilingual_vector=meaning.embed([question])[0],
                          features=Evidence(known=0.5, lexical=0.1, dense=0.1))
    return result, lexical, meaning


def test_a_question_in_other_words_is_answered_by_meaning():
    """A question sharing no word with its answer ("juré" for "promis") is answered by the sentences' meaning."""
    passages = ["Nvidia a dîné avec Donald Trump en avril à Mar-a-Lago, selon NPR.",
                "Nvidia a promis d'investir dans des centres de données aux États-Unis."]
    result, lexical, meaning = _asked_in_other_words("Le boss a juré de faire quoi en échange ?", passages,
                                                     {"juré": 0})  # "boss", "juré": words the corpus lacks
    assert assemble(result, lexical, k=3, multilingual=meaning).sentences[0][0] == passages[1]


def test_a_passage_found_by_meaning_alone_has_its_sentences_judged_by_meaning():
    """A cited passage sharing no word with the question ("superviser" for "garder un œil") is read by meaning."""
    from index.answerability import Evidence

    passages = ["Le professeur règle la salle avant le cours. Les élèves y dessinent avec un logiciel libre.",
                "Certains établissements utilisent Epoptes pour superviser leurs étudiants."]
    question = "Quel logiciel permet au professeur de garder un œil sur les ordinateurs des élèves ?"
    result, lexical, meaning = _asked_in_other_words(question, passages, {"garder un œil": 3, "superviser": 3})
    result = replace(result, features=Evidence(known=1.0, lexical=0.5, dense=0.1))  # the corpus knows every word
    assert assemble(result, lexical, k=3, multilingual=meaning).sentences[0][0] == passages[1]
    embedded = len(meaning.embedded)
    alone = assemble(replace(result, hits=result.hits[:1]), lexical, k=3, multilingual=meaning)
    assert "logiciel libre" in alone.text and len(meaning.embedded) == embedded  # its words decide, nothing embedded


@pytest.mark.parametrize("cross_language", [True, False])
def test_a_question_in_another_language_is_answered_by_meaning(cross_language):
    """English asked of French text shares no words with its answer: the multilingual model's meaning picks it."""
    from index.answerability import Evidence
    from index.lexical import LexicalIndex
    from index.passages import Passage
    from index.search import Hit
    from index.text import Analyzer

    passages = ["Nvidia a dîné avec Donald Trump en avril à Mar-a-Lago, selon NPR.",
                "Nvidia a promis d'investir dans des centres de données aux États-Unis."]
    question = "What did Nvidia promise in exchange?"
    analyzer = Analyzer("fr")
    lexical = LexicalIndex.build(passages + _FILLER, analyzer)
    hits = [Hit(Passage(document=f"doc{i}.txt", title="D", text=t), i, 1.0 - 0.1 * i, 0.5, 1.0)
            for i, t in enumerate(passages)]
    meaning = _Meaning()
    query = meaning.embed([question])[0]
    meaning.embedded.clear()
    result = SearchResult(question, hits, analyzer.terms(question), 1.0, cross_language, True,
                          multilingual_vector=query, features=Evidence(known=1.0, lexical=0.5, dense=0.1))
    answer = assemble(result, lexical, k=3, multilingual=meaning)
    if cross_language:
        assert answer.sentences[0][0] == passages[1]
        assert sorted(meaning.embedded) == sorted(passages)
    else:  # in the documents' language, with every word known to them, its words decide: nothing is embedded
        assert meaning.embedded == []


def test_a_restriction_of_the_answer_is_never_left_out():
    """The next sentence that restricts the first ("Mais seul…") joins it, before a close one from elsewhere."""
    passages = ["La modification du code d'accès fonctionne aussi sur le portail du personnel. "
                "Mais seul le code du badge sera mis à jour.",
                "Le code d'accès du portail du personnel sert partout dans le bâtiment."]
    answer = _assembled("Si je modifie mon code d'accès sur le portail du personnel, est-il modifié partout ?",
                        passages)
    assert [s for s, _ in answer.sentences] == ["La modification du code d'accès fonctionne aussi sur le portail "
                                                "du personnel.", "Mais seul le code du badge sera mis à jour."]


def test_a_question_across_languages_finds_its_sentence_by_its_translated_words():
    """English asked of French text: the question's words translated (index/bilingual.py) pick the sentence."""
    from index.answer import AnswerConfig
    from index.answerability import Evidence
    from index.lexical import LexicalIndex
    from index.passages import Passage
    from index.search import Hit
    from index.text import Analyzer

    passages = ["La mairie a été rénovée en 1990 par la ville.", "Le pont a été construit en 1890 par la ville."]
    question = "When was the bridge built?"
    analyzer = Analyzer("fr")
    lexical = LexicalIndex.build(passages + _FILLER, analyzer)
    hits = [Hit(Passage(document=f"doc{i}.txt", title="D", text=t), i, 1.0 - 0.1 * i, 0.5, 1.0)
            for i, t in enumerate(passages)]
    result = SearchResult(question, hits, analyzer.terms(question), 1.0, True, True,
                          features=Evidence(known=0.0, lexical=0.0, dense=0.1))
    assert assemble(result, lexical, k=3).sentences[0][0] == passages[1]
    untranslated = assemble(result, lexical, k=3, config=AnswerConfig(translation_weight=0.0))
    assert untranslated.sentences[0][0] == passages[0]  # without them, the first passage's sentence


def test_a_fact_of_the_asked_kind_counts_when_its_sentence_is_on_topic_by_meaning():
    """Asked "pour quand" in other words than the text's, the sentence holding the date answers, not its neighbour."""
    passages = ["Il est probable que Pékin donne son accord aux importations, avec des conditions.",
                "Le pays vise la première place mondiale dans ce domaine d'ici 2030."]
    result, lexical, meaning = _asked_in_other_words("Pékin veut être numéro un de l'IA pour quand ?", passages,
                                                     {"numéro un": 3, "première place": 3})
    assert "2030" in assemble(result, lexical, k=3, multilingual=meaning).text


def test_an_option_is_answered_by_its_term_when_its_entry_says_what_is_asked():
    """Asked what a manual's option does in its entry's later words, the answer quotes the option's line."""
    passages = ["--local : Make a repository from one on this machine, copying its files. Hard links are used.\n"
                "--bare : Create the new one bare, with its history only. There is no working tree to check files "
                "out into, which suits a server."]
    answer = _assembled("Which option leaves no working tree, for a server?", passages)
    assert "--bare" in answer.text


def test_a_long_question_is_answered_by_what_it_asks_not_by_its_situation():
    """A situation told, then asked: the sentence answering the ask wins over the one telling the situation back."""
    from index.lexical import LexicalIndex
    from index.passages import Passage
    from index.search import Hit
    from index.text import Analyzer

    passages = ["Vous êtes en pleine refonte du code et votre chef exige une correction urgente.",
                "La commande remise sert à mettre vos modifications de côté pour les reprendre plus tard."]
    question = ("Je suis en pleine refonte du code et mon chef exige une correction urgente. "
                "Comment mettre mes modifications de côté et les reprendre plus tard ?")
    analyzer = Analyzer("fr")
    lexical = LexicalIndex.build(passages + _FILLER, analyzer)
    hits = [Hit(Passage(document=f"doc{i}.txt", title="D", text=t), i, 1.0 - 0.1 * i, 0.5, 1.0)
            for i, t in enumerate(passages)]
    result = SearchResult(question, hits, analyzer.terms(question), 1.0, False, True,
                          focus="Comment mettre mes modifications de côté et les reprendre plus tard ?")
    assert [s for s, _ in assemble(result, lexical, k=3).sentences] == [passages[1]]  # the situation not added
    assert assemble(replace(result, focus=None), lexical, k=3).sentences[0][0] == passages[0]  # told back without


def test_a_sentence_opening_on_a_contrast_is_quoted_with_the_one_it_contrasts():
    """"Sinon, …" is quoted after the sentence it contrasts, from the passage that holds both."""
    tail = "Sinon, appliquez les changements de la branche sur la branche courante en créant un commit."
    passages = [tail + "\nLa suite du manuel décrit les conflits.",
                "Le réseau de l'école reste ouvert le soir.",
                "pick --ff : si l'historique est linéaire, avancez simplement la tête. " + tail]
    answer = _assembled("Comment appliquer les changements d'une branche sur la branche courante ?", passages)
    assert [s for s, _ in answer.sentences] == ["pick --ff : si l'historique est linéaire, avancez simplement la tête.",
                                                tail]


def test_an_answer_never_ends_on_a_sentence_introducing_what_it_does_not_quote():
    """A second sentence ending with a colon ("… listés ci-dessous :") is left out: what it introduces is not quoted."""
    passages = ["Le guide traite chaque champ décimal en l'encadrant entre guillemets.",
                "Les tableurs des champs décimaux du guide sont listés ci-dessous :\n- Calc.\n- Gnumeric."]
    answer = _assembled("Comment le guide traite-t-il les champs décimaux des tableurs ?", passages)
    assert [s for s, _ in answer.sentences] == [passages[0]]


def test_a_case_posed_is_quoted_with_the_sentence_that_answers_it():
    """"Supposons que…" poses the asker's case: the next sentence, which answers it, is quoted with it."""
    passages = ["Supposons que vous ayez effacé une branche par erreur avec la commande de remise à zéro. "
                "Heureusement, le journal des références garde chaque position passée.",
                "La remise à zéro d'une branche se fait avec reset."]
    answer = _assembled("J'ai effacé une branche par erreur, comment la retrouver ?", passages)
    assert "journal des références" in answer.text


def test_the_next_paragraph_cited_apart_goes_on_from_the_first():
    """The asked advice in the next paragraph, cited as its own passage, joins the sentence that ends the one before."""
    from index.lexical import LexicalIndex
    from index.passages import Passage
    from index.search import Hit
    from index.text import Analyzer

    texts = ["Quand le codage du fichier est mal choisi, les accents du fichier deviennent illisibles.",
             "Il est conseillé d'utiliser l'encodage UTF-8.",
             "Le tableur importe les fichiers depuis son menu."]
    question = "Les accents de mon fichier sont cassés, je choisis quel codage ?"
    analyzer = Analyzer("fr")
    lexical = LexicalIndex.build(texts + _FILLER, analyzer)

    def answer(second_line: int) -> str:
        lines = [(10, 10), (second_line, second_line), (40, 41)]
        hits = [Hit(Passage(document="guide.md", title="Guide", section=("Encodage",), text=t, line_start=a,
                            line_end=b), i, 1.0 - 0.1 * i, 0.5, 1.0)
                for i, (t, (a, b)) in enumerate(zip(texts, lines, strict=True))]
        return assemble(SearchResult(question, hits, analyzer.terms(question), 1.0, False, True), lexical, k=3).text

    assert "UTF-8" in answer(12)  # a blank line between the paragraphs
    assert "UTF-8" not in answer(30)  # another part of the guide: not its continuation


def test_two_sentences_the_words_cannot_tell_apart_are_both_quoted():
    """A sentence of another passage scoring about as well as the first joins it: which one answers is unsure."""
    passages = ["Lancez le test de latence du noyau pour voir si la machine convient.",
                "RTAI a toujours eu la latence du noyau la plus basse."]
    answer = _assembled("Quel noyau donne la latence la plus faible ?", passages)
    assert "RTAI" in answer.text


def test_advice_for_every_case_wins_over_advice_for_one_case():
    """"Quel caractère pour…" is answered by the plain advice, not by advice given "lorsque" some case holds."""
    passages = ["Lorsque le séparateur est la virgule, il est recommandé d'entourer le texte de guillemets.",
                "Il est conseillé d'utiliser la virgule comme séparateur."]
    answer = _assembled("quel caractère pour séparer les colonnes ?", passages)
    assert answer.sentences[0][0] == passages[1]


def test_asked_whether_it_happened_yet_the_sentence_telling_the_state_answers():
    """"… validé l'arrivée des puces ou pas encore ?" is answered by "la décision est encore en suspens"."""
    passages = ["L'arrivée des puces en Chine est un signal fort pour le marché.",
                "La décision d'autoriser les puces est encore en suspens."]
    answer = _assembled("Pékin a validé l'arrivée des puces ou pas encore ?", passages)
    assert answer.sentences[0][0] == passages[1]


def test_asked_how_the_sentence_telling_the_way_answers():
    """"Comment récupérer… ?" is answered by "votre meilleure option est d'utiliser…", not by a remark on the topic."""
    passages = ["Soyez conscient que la sauvegarde du dossier ne protège pas d'une panne de disque.",
                "Pour restaurer un dossier complet, votre meilleure option est d'utiliser la commande de restauration."]
    answer = _assembled("Comment récupérer le dossier complet depuis la sauvegarde ?", passages)
    assert answer.sentences[0][0] == passages[1]


@pytest.mark.parametrize(("question", "kind"), [
    ("Which encoding do you recommend for the export?", "advice"),
    ("Comment récupérer le dossier d'un utilisateur ?", "method"),
    ("How do I undo the last commit?", "method"),
    ("Comment s'appelle le mode sans tête ?", "name"),  # "comment" asks for a way only when no other kind is
    ("Pékin a validé l'arrivée des puces ou pas encore ?", "state"),
    ("is sparse checkout supported yet?", "state"),
    ("quel caractère pour séparer les cases ?", "advice"),  # "quel <chose> pour <faire>": which one to choose
    ("What character to use between the fields?", "advice"),
    ("which us congressman wants tougher chip controls", "person"),  # a person's office names a person
    ("c quelle radio qui a sorti l'histoire ?", "organisation"),  # a medium names an organisation
    ("je choisis quel codage pour mes fichiers ?", "advice"),
    ("Where should I ask questions about packaging? Who would you recommend?", "place"),  # advice only as a fallback
    ("Someone said there's a config setting for this, which one?", "name"),
    ("Il existe un réglage pour les fins de ligne, lequel ?", "name"),
    ("What version number does TeX have?", "quantity"),  # a noun before the asked one ("what version number")
])
def test_what_a_question_asks_for(question, kind):
    """Advice is asked when no other kind is; "which one?" closing a question asks for a name."""
    from index.sentences import answer_types

    assert answer_types(question)[0] == kind
