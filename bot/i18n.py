"""The bot's own strings in English and French, and the language to answer a question in."""

from __future__ import annotations

from index import Citation, guess_language

MESSAGES: dict[str, dict[str, str]] = {
    "not_covered": {
        "en": "The documents don't cover this question. The closest passages are below.",
        "fr": "Les documents ne traitent pas de cette question. Voici les passages les plus proches.",
    },
    "closest": {"en": "Closest passages", "fr": "Passages les plus proches"},
    "sources": {"en": "Sources", "fr": "Sources"},
    "no_passages": {"en": "No passage found.", "fr": "Aucun passage trouvé."},
    # Discord front end (bot/exts, bot/render.py).
    "cmd_ask": {"en": "Ask a question about the documents", "fr": "Poser une question sur les documents"},
    "cmd_ask_question": {"en": "Your question", "fr": "Votre question"},
    "cmd_sources": {"en": "List the indexed documents", "fr": "Lister les documents indexés"},
    "cmd_reindex": {
        "en": "Update the index from the documents folder (server managers)",
        "fr": "Mettre à jour l'index depuis le dossier des documents (gestionnaires du serveur)",
    },
    "footer_answered": {
        "en": "Extracted from the documents: check the cited passages.",
        "fr": "Extrait des documents : vérifiez les passages cités.",
    },
    "footer_closest": {
        "en": "No passage answers this question; these are only the closest ones.",
        "fr": "Aucun passage ne répond à cette question ; ce sont seulement les plus proches.",
    },
    "also_in": {"en": "also in", "fr": "aussi dans"},
    "more_button": {"en": "More passages", "fr": "Plus de passages"},
    "more_title": {"en": "More passages", "fr": "Plus de passages"},
    "no_more": {"en": "No further passages.", "fr": "Pas d'autres passages."},
    "thanks_up": {"en": "Thanks! Your 👍 is recorded.", "fr": "Merci ! Votre 👍 est enregistré."},
    "thanks_down": {
        "en": "Thanks! Your 👎 is recorded: it shows what the documents are missing.",
        "fr": "Merci ! Votre 👎 est enregistré : il montre ce qui manque aux documents.",
    },
    "question_gone": {
        "en": "This answer is no longer on record: please ask the question again.",
        "fr": "Cette réponse n'est plus enregistrée : posez à nouveau la question.",
    },
    "sources_title": {"en": "Indexed documents", "fr": "Documents indexés"},
    "sources_built": {
        "en": "Index built {when} with `{model}`: {documents} documents, {passages} passages.",
        "fr": "Index construit {when} avec `{model}` : {documents} documents, {passages} passages.",
    },
    "sources_more": {"en": "… and {n} more documents.", "fr": "… et {n} autres documents."},
    "sources_empty": {"en": "The index holds no documents.", "fr": "L'index ne contient aucun document."},
    "sources_footer": {"en": "Index built", "fr": "Index construit"},
    "passage_count": {"en": "{n} passages", "fr": "{n} passages"},
    "passage_count_one": {"en": "1 passage", "fr": "1 passage"},
    "reindex_done": {
        "en": "Index updated: {added} added, {updated} updated, {removed} removed, {skipped} skipped "
              "({unchanged} unchanged; {passages} passages).",
        "fr": "Index mis à jour : {added} ajoutés, {updated} modifiés, {removed} supprimés, {skipped} "
              "ignorés ({unchanged} inchangés ; {passages} passages).",
    },
    "reindex_same": {
        "en": "Index already up to date: {added} added, {updated} updated, {removed} removed, {skipped} "
              "skipped ({unchanged} unchanged; {passages} passages).",
        "fr": "Index déjà à jour : {added} ajoutés, {updated} modifiés, {removed} supprimés, {skipped} "
              "ignorés ({unchanged} inchangés ; {passages} passages).",
    },
    "reindex_skipped": {"en": "Skipped: {files}", "fr": "Ignorés : {files}"},
    "reindex_running": {
        "en": "A rebuild of the index is already running; try again when it has finished.",
        "fr": "Une reconstruction de l'index est déjà en cours ; réessayez quand elle sera finie.",
    },
    "busy": {
        "en": "Too many questions at once: please ask again in a moment.",
        "fr": "Trop de questions à la fois : reposez la vôtre dans un instant.",
    },
    "cooldown": {
        "en": "Slow down: you can ask again in {seconds} s.",
        "fr": "Doucement : vous pourrez reposer une question dans {seconds} s.",
    },
    # A question refused before it is asked: the same words from Discord and the CLI.
    "question_empty": {"en": "The question is empty.", "fr": "La question est vide."},
    "question_too_long": {
        "en": "The question is too long ({length} characters; the limit is {limit}).",
        "fr": "La question est trop longue ({length} caractères ; la limite est de {limit}).",
    },
    "question_not_text": {"en": "The question must be text.", "fr": "La question doit être du texte."},
    "mention_help": {
        "en": "Ask me a question: mention me followed by your question, or use /ask.",
        "fr": "Posez-moi une question : mentionnez-moi suivi de votre question, ou utilisez /ask.",
    },
    # Conversations: private answers, the message menu, threads and help forums (bot/exts/ask.py).
    "cmd_ask_private": {"en": "Only you see the answer", "fr": "Vous seul voyez la réponse"},
    "menu_ask": {"en": "Ask docbot", "fr": "Demander à docbot"},
    "menu_answered": {"en": "Answered under the message: {link}", "fr": "Réponse sous le message : {link}"},
    # /settings (bot/exts/server_settings.py).
    "cmd_settings": {
        "en": "docbot's settings on this server (server managers)",
        "fr": "Réglages de docbot sur ce serveur (gestionnaires du serveur)",
    },
    "cmd_settings_show": {"en": "Show docbot's settings on this server", "fr": "Afficher les réglages de docbot ici"},
    "cmd_settings_mode": {"en": "How mentions are answered", "fr": "Comment répondre aux mentions"},
    "cmd_settings_mode_answers": {"en": "Reply, or a new thread", "fr": "Réponse, ou nouveau fil"},
    "cmd_settings_language": {"en": "The language of docbot's messages", "fr": "La langue des messages de docbot"},
    "cmd_settings_language_language": {"en": "Language", "fr": "Langue"},
    "cmd_settings_channel": {
        "en": "Answer mentions in a channel, or stop",
        "fr": "Répondre aux mentions dans un salon, ou arrêter",
    },
    "cmd_settings_channel_channel": {"en": "The channel", "fr": "Le salon"},
    "cmd_settings_channel_answer": {"en": "Answer mentions there", "fr": "Y répondre aux mentions"},
    "cmd_settings_all_channels": {"en": "Answer mentions in every channel", "fr": "Répondre aux mentions partout"},
    "cmd_settings_forum": {
        "en": "Answer new posts of a help forum, or stop",
        "fr": "Répondre aux nouveaux posts d'un forum d'aide, ou arrêter",
    },
    "cmd_settings_forum_forum": {"en": "The forum", "fr": "Le forum"},
    "cmd_settings_forum_answer": {"en": "Answer its new posts", "fr": "Répondre à ses nouveaux posts"},
    "choice_reply": {"en": "As a reply", "fr": "En réponse"},
    "choice_thread": {"en": "In a new thread", "fr": "Dans un nouveau fil"},
    "choice_auto": {"en": "The asker's language", "fr": "La langue de la personne"},
    "choice_fr": {"en": "French", "fr": "Français"},
    "choice_en": {"en": "English", "fr": "Anglais"},
    "settings_title": {"en": "docbot on this server", "fr": "docbot sur ce serveur"},
    "settings_saved": {"en": "Saved.", "fr": "Enregistré."},
    "settings_mode_reply": {
        "en": "Mentions are answered with a reply.",
        "fr": "Les mentions reçoivent une réponse.",
    },
    "settings_mode_thread": {
        "en": "Mentions are answered in a new thread started from the question.",
        "fr": "Les mentions reçoivent une réponse dans un nouveau fil ouvert depuis la question.",
    },
    "settings_channels_all": {"en": "Mentions are answered in every channel.",
                              "fr": "Les mentions reçoivent une réponse dans tous les salons."},
    "settings_channels": {"en": "Mentions are answered in: {channels}.",
                          "fr": "Les mentions reçoivent une réponse dans : {channels}."},
    "settings_forums_none": {"en": "No help forum is answered automatically.",
                             "fr": "Aucun forum d'aide ne reçoit de réponse automatique."},
    "settings_forums": {"en": "New posts are answered in: {forums}.",
                        "fr": "Les nouveaux posts reçoivent une réponse dans : {forums}."},
    "settings_language_auto": {"en": "docbot speaks the asker's language (English or French).",
                               "fr": "docbot parle la langue de la personne (anglais ou français)."},
    "settings_language_fixed": {"en": "docbot speaks {language}.", "fr": "docbot parle {language}."},
    "language_fr": {"en": "French", "fr": "français"},
    "language_en": {"en": "English", "fr": "anglais"},
    "settings_forum_needs_intent": {
        "en": "docbot can't read forum posts: the bot's operator must turn on the Message Content intent "
              "(DOCBOT_MESSAGE_CONTENT=true, and the switch in the Developer Portal). The forum is saved: its new "
              "posts will be answered once that is done.",
        "fr": "docbot ne peut pas lire les posts des forums : la personne qui exploite le bot doit activer "
              "l'intent Message Content (DOCBOT_MESSAGE_CONTENT=true, et l'interrupteur du Developer Portal). "
              "Le forum est enregistré : ses nouveaux posts recevront une réponse ensuite.",
    },
    "settings_thread_needs_intent": {
        "en": "Without the Message Content intent, people mention docbot for each follow-up in a thread.",
        "fr": "Sans l'intent Message Content, il faut mentionner docbot à chaque relance dans un fil.",
    },
    "index_missing": {
        "en": "There is no index yet: a server manager can build it with /reindex.",
        "fr": "Il n'y a pas encore d'index : un gestionnaire du serveur peut le construire avec /reindex.",
    },
    "index_empty": {
        "en": "The index holds no documents yet: a server manager can add some and run /reindex.",
        "fr": "L'index ne contient encore aucun document : un gestionnaire du serveur peut en ajouter et "
              "lancer /reindex.",
    },
    "index_broken": {
        "en": "The index can't be read: a server manager can rebuild it with /reindex.",
        "fr": "L'index est illisible : un gestionnaire du serveur peut le reconstruire avec /reindex.",
    },
    "documents_missing": {
        "en": "The documents folder can't be read; see the bot's log.",
        "fr": "Le dossier des documents est illisible ; voir le journal du bot.",
    },
    "model_error": {
        "en": "The language model can't be loaded; see the bot's log.",
        "fr": "Le modèle de langue ne peut pas être chargé ; voir le journal du bot.",
    },
    "manage_guild_only": {
        "en": "Only server managers (Manage Server permission) can do this.",
        "fr": "Seuls les gestionnaires du serveur (permission Gérer le serveur) peuvent faire cela.",
    },
    "guild_only": {
        "en": "This command only works in a server.",
        "fr": "Cette commande ne fonctionne que sur un serveur.",
    },
    "not_allowed": {"en": "You can't use this here.", "fr": "Vous ne pouvez pas utiliser ceci ici."},
    "unexpected": {
        "en": "Sorry, something went wrong. The error has been logged.",
        "fr": "Désolé, une erreur est survenue. Elle a été consignée dans le journal.",
    },
    # Operations (bot/access.py, exts/documents.py, exts/reindex.py, the graceful stop).
    "not_admin_guild": {
        "en": "docbot's documents can only be changed by its owner or by managers of the servers its operator "
              "chose, and this server is not one of them.",
        "fr": "Seuls le propriétaire de docbot et les gestionnaires des serveurs choisis par son opérateur peuvent "
              "modifier ses documents, et ce serveur n'en fait pas partie.",
    },
    "restarting": {
        "en": "docbot is restarting: please ask again in a minute.",
        "fr": "docbot redémarre : reposez votre question dans une minute.",
    },
    "late_result": {
        "en": "Your {command} in {where} finished after Discord's 15 minutes for a reply: {result}",
        "fr": "Votre {command} dans {where} s'est terminé après les 15 minutes que Discord laisse pour "
              "répondre : {result}",
    },
    "progress_start": {"en": "Indexing {name}…", "fr": "Indexation de {name}…"},
    "progress_embed": {
        "en": "Indexing {name}: {done} of {total} new passages embedded…",
        "fr": "Indexation de {name} : {done} passages nouveaux sur {total} vectorisés…",
    },
    "progress_store": {
        "en": "Indexing {name}: writing the index…",
        "fr": "Indexation de {name} : écriture de l'index…",
    },
    "cmd_documents": {"en": "Manage the documents docbot answers from", "fr": "Gérer les documents de docbot"},
    "cmd_documents_add": {
        "en": "Add a document (text, Markdown, reST, HTML, PDF, Word, ODT or EPUB) and index it",
        "fr": "Ajouter un document (texte, Markdown, reST, HTML, PDF, Word, ODT ou EPUB) et l'indexer",
    },
    "cmd_documents_add_file": {"en": "The document to add", "fr": "Le document à ajouter"},
    "cmd_documents_add_replace": {
        "en": "Replace a document of the same name",
        "fr": "Remplacer le document du même nom",
    },
    "cmd_documents_remove": {"en": "Remove a document and reindex", "fr": "Retirer un document et réindexer"},
    "cmd_documents_remove_name": {"en": "The document's file name", "fr": "Le nom de fichier du document"},
    "cmd_documents_list": {"en": "List the documents and their links", "fr": "Lister les documents et leurs liens"},
    # /documents sync (bot/sources/): the websites and repositories of `docbot sources`.
    "cmd_documents_sync": {
        "en": "Fetch the websites and repositories again, then update the index",
        "fr": "Récupérer à nouveau les sites et dépôts, puis mettre à jour l'index",
    },
    "cmd_documents_sync_name": {"en": "One source (all without it)", "fr": "Une source (toutes sinon)"},
    "sync_none": {
        "en": "There are no sources: the operator adds them with `docbot sources add URL`.",
        "fr": "Il n'y a aucune source : l'opérateur les ajoute avec `docbot sources add URL`.",
    },
    "sync_unknown": {
        "en": "There is no source named {name}.",
        "fr": "Aucune source ne s'appelle {name}.",
    },
    "sync_source": {
        "en": "{name}: {changed} new or changed, {unchanged} unchanged, {removed} removed.",
        "fr": "{name} : {changed} nouveaux ou modifiés, {unchanged} inchangés, {removed} retirés.",
    },
    "sync_source_failed": {
        "en": "{name}: not synced ({reason}); its documents were kept as they were.",
        "fr": "{name} : non synchronisée ({reason}) ; ses documents sont restés tels quels.",
    },
    "upload_empty": {"en": "Refused: the file is empty.", "fr": "Refusé : le fichier est vide."},
    "upload_too_large": {
        "en": "Refused: the file is larger than the {limit} MB allowed.",
        "fr": "Refusé : le fichier dépasse les {limit} Mo permis.",
    },
    "upload_path": {
        "en": "Refused: a document's name can't hold a folder path (`/` or `\\`).",
        "fr": "Refusé : le nom d'un document ne peut pas contenir de chemin (`/` ou `\\`).",
    },
    "upload_control": {
        "en": "Refused: the file name holds control or invisible characters.",
        "fr": "Refusé : le nom du fichier contient des caractères de contrôle ou invisibles.",
    },
    "upload_hidden": {
        "en": "Refused: a document's name can't start with a dot (hidden files are not read).",
        "fr": "Refusé : le nom d'un document ne peut pas commencer par un point (les fichiers cachés ne sont pas lus).",
    },
    "upload_name_long": {
        "en": "Refused: the file name is too long.",
        "fr": "Refusé : le nom du fichier est trop long.",
    },
    "upload_type": {
        "en": "Refused: docbot reads {suffixes} files only.",
        "fr": "Refusé : docbot ne lit que les fichiers {suffixes}.",
    },
    "upload_not_pdf": {
        "en": "Refused: {name} is not a PDF, whatever its name says.",
        "fr": "Refusé : {name} n'est pas un PDF, quoi qu'en dise son nom.",
    },
    "upload_not_format": {
        "en": "Refused: {name} is not a {format} document, whatever its name says.",
        "fr": "Refusé : {name} n'est pas un document {format}, quoi qu'en dise son nom.",
    },
    "upload_not_text": {
        "en": "Refused: {name} is not text or HTML (binary content), whatever its name says.",
        "fr": "Refusé : {name} n'est ni du texte ni du HTML (contenu binaire), quoi qu'en dise son nom.",
    },
    "upload_exists": {
        "en": "Refused: {name} exists already; add it again with replace: True to replace it.",
        "fr": "Refusé : {name} existe déjà ; ajoutez-le avec replace: True pour le remplacer.",
    },
    "upload_download_failed": {
        "en": "Refused: the file could not be downloaded from Discord; try again.",
        "fr": "Refusé : le fichier n'a pas pu être téléchargé depuis Discord ; réessayez.",
    },
    "upload_unreadable": {
        "en": "Refused: {name} can't be read ({reason}).",
        "fr": "Refusé : {name} est illisible ({reason}).",
    },
    "upload_failed": {
        "en": "{name} was not added: indexing failed, and the documents and index are as they were. {reason}",
        "fr": "{name} n'a pas été ajouté : l'indexation a échoué ; les documents et l'index n'ont pas changé. "
              "{reason}",
    },
    "upload_added": {
        "en": "Added {name}: {passages}. The index now holds {documents} documents, {total} passages.",
        "fr": "{name} ajouté : {passages}. L'index contient maintenant {documents} documents, {total} passages.",
    },
    "upload_replaced": {
        "en": "Replaced {name}: {passages}. The index now holds {documents} documents, {total} passages.",
        "fr": "{name} remplacé : {passages}. L'index contient maintenant {documents} documents, {total} passages.",
    },
    "upload_unchanged": {
        "en": "{name} is the same as the document already indexed: nothing changed.",
        "fr": "{name} est identique au document déjà indexé : rien n'a changé.",
    },
    "remove_unknown": {
        "en": "There is no document named {name}; /documents list shows them.",
        "fr": "Aucun document ne s'appelle {name} ; /documents list les montre.",
    },
    "remove_done": {
        "en": "Removed {name}. The index now holds {documents} documents, {total} passages.",
        "fr": "{name} retiré. L'index contient maintenant {documents} documents, {total} passages.",
    },
    "remove_failed": {
        "en": "{name} was not removed: indexing failed, and the documents and index are as they were. {reason}",
        "fr": "{name} n'a pas été retiré : l'indexation a échoué ; les documents et l'index n'ont pas changé. "
              "{reason}",
    },
    "documents_title": {"en": "Documents", "fr": "Documents"},
    "documents_footer": {
        "en": "/documents remove takes the file name shown first.",
        "fr": "/documents remove prend le nom de fichier affiché en premier.",
    },
}

LANGUAGES = ("en", "fr")


def question_language(text: str) -> str:
    """Which of the bot's languages to answer `text` in, from its words ("en" when unsure)."""
    return guess_language(text, LANGUAGES)


def t(key: str, lang: str, **kwargs: object) -> str:
    """A message in a language ("en" when the language has none)."""
    table = MESSAGES[key]
    return table.get(lang, table["en"]).format(**kwargs)


def language_for(*locales: object) -> str:
    """The first of `locales` (Discord locales such as "fr" or "en-US", or None) the bot speaks, else "en"."""
    for locale in locales:
        code = str(getattr(locale, "value", locale) or "").lower().split("-")[0]
        if code in LANGUAGES:
            return code
    return "en"


def also_in(c: Citation, lang: str, shown: int = 2) -> str:
    """"also in A (p. 3); B (p. 1) +2": the other documents holding the cited text ("" if none)."""
    others = [pl for pl in c.passage.also_in if pl.document != c.passage.document] or list(c.passage.also_in)
    if not others:
        return ""
    names = [" ".join(f"{pl.document} ({pl.location})".split()) for pl in others[:shown]]
    rest = f" +{len(others) - shown}" if len(others) > shown else ""
    return f"{t('also_in', lang)} " + "; ".join(names) + rest
