import { PDFDocument, StandardFonts } from 'pdf-lib';

export const RENT_SENTENCE = 'The monthly rent is nine hundred euros, due on the first day of each month.';
export const RENT_PAGE = 3;

/**
 * A lease with one clause per page, so retrieval has one right answer: the rent is on page 3.
 * Made with pdf-lib, so the text layer is real PDF text that pdf.js has to parse.
 */
export async function leasePdf(pages: number): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (let i = 1; i <= pages; i++) {
    const page = pdf.addPage([595, 842]);
    page.drawText(`Clause ${i}`, { x: 50, y: 780, size: 18, font });
    const body = i === RENT_PAGE ? RENT_SENTENCE : `This clause ${i} describes ordinary obligations of the tenant and the landlord in plain words.`;
    page.drawText(body, { x: 50, y: 740, size: 11, font, maxWidth: 495, lineHeight: 14 });
  }
  return pdf.save();
}
