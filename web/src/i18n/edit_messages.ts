// Messages of one area of the app, in every shipped language, kept apart as
// the other areas' are: correcting one's own chat message or comment after
// it was sent. English defines the keys; every other language has each.
export const editMessages = {
  en: {
    "edit.button": "Edit",
    "edit.chatLabel": "Edit your message",
    "edit.commentLabel": "Edit the comment",
    "edit.prompt": "Correct the text (everyone sees it marked as edited):",
    "edit.empty": "A message cannot be emptied by editing; delete it instead.",
    "edit.chatAction": "Editing the message",
    "edit.commentAction": "Editing the comment",
  },
  de: {
    "edit.button": "Bearbeiten",
    "edit.chatLabel": "Eigene Nachricht bearbeiten",
    "edit.commentLabel": "Kommentar bearbeiten",
    "edit.prompt": "Text korrigieren (alle sehen ihn als bearbeitet markiert):",
    "edit.empty": "Eine Nachricht kann nicht leer bearbeitet werden; löschen Sie sie stattdessen.",
    "edit.chatAction": "Nachricht bearbeiten",
    "edit.commentAction": "Kommentar bearbeiten",
  },
  es: {
    "edit.button": "Editar",
    "edit.chatLabel": "Editar tu mensaje",
    "edit.commentLabel": "Editar el comentario",
    "edit.prompt": "Corrige el texto (todos lo verán marcado como editado):",
    "edit.empty": "Un mensaje no puede quedar vacío al editarlo; bórralo en su lugar.",
    "edit.chatAction": "Editando el mensaje",
    "edit.commentAction": "Editando el comentario",
  },
  fr: {
    "edit.button": "Modifier",
    "edit.chatLabel": "Modifier votre message",
    "edit.commentLabel": "Modifier le commentaire",
    "edit.prompt": "Corrigez le texte (tout le monde le verra marqué comme modifié) :",
    "edit.empty": "Un message ne peut pas être vidé en le modifiant ; supprimez-le plutôt.",
    "edit.chatAction": "Modification du message",
    "edit.commentAction": "Modification du commentaire",
  },
  pt: {
    "edit.button": "Editar",
    "edit.chatLabel": "Editar a sua mensagem",
    "edit.commentLabel": "Editar o comentário",
    "edit.prompt": "Corrija o texto (todos o verão marcado como editado):",
    "edit.empty": "Uma mensagem não pode ficar vazia ao ser editada; apague-a em vez disso.",
    "edit.chatAction": "A editar a mensagem",
    "edit.commentAction": "A editar o comentário",
  },
};
