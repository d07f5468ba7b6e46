using System.Net;

namespace Platform.Web.Services;

/// <summary>The confirmation dialogs' wording for a deletion: what cites the record, HTML-encoded (names are user text).</summary>
public static class DeletionText
{
    public static string Encode(string text) => WebUtility.HtmlEncode(text);

    /// <summary>"Cited by:" and a list, or nothing when nothing cites it.</summary>
    public static string Citations(IReadOnlyCollection<CitationDto> citations) => citations.Count == 0 ? "" :
        "<p>Cited by:</p><ul data-test=\"delete-citations\">" + string.Concat(citations.Select(c => $"<li>{Encode(c.Description)}</li>")) + "</ul>";

    /// <summary>The confirm button: plain when nothing cites the record, "anyway" when the user has just been told what does.</summary>
    public static string ConfirmText(string plain, IReadOnlyCollection<CitationDto> citations) => citations.Count == 0 ? plain : "Delete anyway";
}
